import { optionalInt, optionalString, UsageError } from '../args.ts';
import { command } from '../command.ts';

/**
 * `xstudio serve`: browser mode, the second transport over the studio
 * service. Prints the address with its token and serves until Ctrl+C (or
 * SIGTERM); with --json it then prints one JSON object.
 */
export const serveCommand = command<{ url: string; port: number; project: string | null; stopped: true }>({
  name: 'serve',
  summary: 'Serve the studio to a browser (browser mode), with a random token in the printed address',
  project: 'none',
  call: null,
  flags: {
    project: { type: 'string', value: 'FILE', description: 'The project to open (default: the last one, else the default project)' },
    port: { type: 'string', value: 'N', description: 'Port (default: a free one)', field: 'port' },
    host: { type: 'string', value: 'ADDR', description: 'Address to listen on (default 127.0.0.1; anything else only on a network you trust)', field: 'host' },
    token: { type: 'string', value: 'T', description: 'Use this token (16 characters or more) instead of a random one' },
    renderer: { type: 'string', value: 'DIR', description: 'Serve the UI from this folder (default: the built one in out/renderer)' },
  },
  async run({ io }, args) {
    const port = optionalInt(args, 'port', 0, 65535);
    const host = optionalString(args, 'host') ?? '127.0.0.1';
    const token = optionalString(args, 'token');
    if (token !== undefined && token.length < 16) throw new UsageError('--token must be at least 16 characters long');
    const { startServer } = await import('../../server.ts');
    const { createStudio } = await import('../../studio/studio-service.ts');
    const studio = await createStudio({ transport: 'http', project: optionalString(args, 'project') });
    let server;
    try {
      server = await startServer(studio, { port, host, token, rendererDir: optionalString(args, 'renderer') });
    } catch (err) {
      await studio.close();
      throw err;
    }
    if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
      io.progress(`xstudio serve: listening on ${host}: anyone who can reach this address and has the token can use the studio.`);
    }
    io.progress(`xstudio serve: project ${studio.projectFile()}`);
    io.progress(`xstudio serve: open ${server.urlWithToken}`);
    io.progress('xstudio serve: press Ctrl+C to stop.');
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) return resolve();
      io.signal.addEventListener('abort', () => resolve(), { once: true });
      process.once('SIGTERM', () => resolve());
    });
    io.progress('xstudio serve: stopping');
    const project = studio.projectFile();
    await server.close();
    await studio.close();
    return { url: server.url, port: server.port, project, stopped: true as const };
  },
});
