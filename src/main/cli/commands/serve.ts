import { optionalInt, optionalString } from '../args.ts';
import type { Command } from '../command.ts';
import { invalidArgument } from '../../../shared/errors.ts';
import { startServer } from '../../server.ts';
import { createStudio } from '../../studio/studio-service.ts';

/**
 * `xstudio serve [--project P] [--port N] [--host 127.0.0.1] [--token T]`:
 * the studio in a browser. Prints the address with its token and serves until
 * Ctrl+C (or SIGTERM); with --json it then prints one JSON object.
 */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve the studio to a browser (browser mode), with a random token in the printed address',
  usage: 'xstudio serve [--project P] [--port N] [--host 127.0.0.1] [--renderer DIR] [--json]',
  options: {
    project: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    token: { type: 'string' },
    renderer: { type: 'string' },
  },
  async run(args, io) {
    const port = optionalInt(args, 'port', 0);
    if (port !== undefined && port > 65535) throw invalidArgument(`--port expects 0..65535, got ${port}`);
    const host = optionalString(args, 'host') ?? '127.0.0.1';
    const token = optionalString(args, 'token');
    if (token !== undefined && token.length < 16) throw invalidArgument('--token must be at least 16 characters long');
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
    return { url: server.url, port: server.port, project, stopped: true };
  },
};
