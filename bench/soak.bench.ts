// Soak (issue 9): the UI's API under 50 concurrent clients for a minute
// (XSTUDIO_SOAK_SECONDS) over real HTTP, while the CLI relabels and imports
// into the same project file from other processes. Passes when no request and
// no CLI run failed, no label was lost (each image has one writer, so its last
// label is known) and PRAGMA integrity_check says ok. Not part of the suite:
// `npm run bench -- soak`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { startServer } from '../src/main/server.ts';
import { createStudio } from '../src/main/studio/studio-service.ts';
import { imageBuffer } from '../test/helpers/make-images.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLIENTS = 50;
const CLASSES = ['cat', 'dog', 'bird'];

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(repo, 'bin/xstudio.mjs'), ...args, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function writeFolder(root: string, prefix: string, n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i++) {
    const cls = CLASSES[i % CLASSES.length];
    fs.mkdirSync(path.join(root, cls), { recursive: true });
    fs.writeFileSync(path.join(root, cls, `${prefix}${i}.jpg`), await imageBuffer({ width: 24 + (i % 7), height: 24, color: [(i * 37) % 256, (i * 91) % 256, (i * 13) % 256] }));
  }
}

export async function run(): Promise<void> {
  const seconds = Number(process.env.XSTUDIO_SOAK_SECONDS ?? 60);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-bench-soak-'));
  const env = { ...process.env, XSTUDIO_HOME: path.join(dir, 'home'), XSTUDIO_CACHE: path.join(dir, 'cache') };
  const file = path.join(dir, 'soak.xstudio');
  const uiFolder = path.join(dir, 'ui');
  const cliFolder = path.join(dir, 'cli');
  await writeFolder(uiFolder, 'u', 600);
  await writeFolder(cliFolder, 'c', 60);

  const studio = await createStudio({ transport: 'http', project: file, dataDir: path.join(dir, 'home') });
  const server = await startServer(studio, { port: 0 });
  const call = async (name: string, body: unknown): Promise<unknown> => {
    const res = await fetch(`${server.url}api/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` }, body: JSON.stringify(body) });
    const json = await res.json();
    if (res.status !== 200) throw new Error(`${name}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  await call('importFolder', { folder: uiFolder, labelSource: 'folder' });
  const first = await cli(['import', cliFolder, '--project', file], env);
  if (first.code !== 0) throw new Error(`first CLI import failed: ${first.stderr}`);
  const db = new Database(file, { readonly: true });
  const idsUnder = (root: string): number[] =>
    (db.prepare('SELECT i.id FROM images i JOIN roots r ON r.id = i.root_id WHERE r.path = ? ORDER BY i.id').all(root) as { id: number }[]).map((r) => r.id);
  const uiIds = idsUnder(uiFolder);
  const cliIds = idsUnder(cliFolder);
  db.close();

  const expected = new Map<number, string>();
  const latencies: number[] = [];
  const errors: string[] = [];
  const until = Date.now() + seconds * 1000;
  let rounds = 0;

  // Each client owns the images with id % CLIENTS === its number: one writer per image.
  const client = async (k: number): Promise<void> => {
    const mine = uiIds.filter((id) => id % CLIENTS === k);
    for (let i = 0; Date.now() < until; i++) {
      const t = performance.now();
      try {
        switch (i % 5) {
          case 0: {
            const id = mine[i % mine.length];
            const name = CLASSES[(i + k) % CLASSES.length];
            await call('setLabel', { imageIds: [id], className: name });
            expected.set(id, name);
            break;
          }
          case 1: await call('queryImages', { offset: (i * 7) % 500, limit: 60 }); break;
          case 2: await call('getImage', { id: mine[i % mine.length] }); break;
          case 3: await call('getProjectStatus', {}); break;
          default: {
            const res = await fetch(`${server.url}media/image/${mine[i % mine.length]}`, { headers: { authorization: `Bearer ${server.token}` } });
            await res.arrayBuffer();
            if (res.status !== 200) throw new Error(`media/image: ${res.status}`);
          }
        }
      } catch (err) {
        errors.push((err as Error).message);
      }
      latencies.push(performance.now() - t);
    }
  };

  // The CLI, meanwhile: relabel two of its images, then import its folder with new files, over and over.
  const cliRuns = { ok: 0, failed: [] as string[] };
  const cliLoop = async (): Promise<void> => {
    let added = 60;
    while (Date.now() < until) {
      const a = cliIds[rounds % cliIds.length];
      const b = cliIds[(rounds + 1) % cliIds.length];
      const name = CLASSES[rounds % CLASSES.length];
      const r = await cli(['label', '--project', file, '--set', name, String(a), String(b)], env);
      if (r.code === 0) {
        expected.set(a, name);
        expected.set(b, name);
        cliRuns.ok++;
      } else cliRuns.failed.push(`label: ${r.stderr.trim()}`);
      await writeFolder(cliFolder, 'c', 5, added);
      added += 5;
      const imp = await cli(['import', cliFolder, '--project', file], env);
      if (imp.code === 0) cliRuns.ok++;
      else cliRuns.failed.push(`import: ${imp.stderr.trim()}`);
      rounds++;
    }
  };

  const t0 = Date.now();
  await Promise.all([...Array.from({ length: CLIENTS }, (_, k) => client(k)), cliLoop()]);
  const wall = (Date.now() - t0) / 1000;
  await server.close();
  await studio.close();

  const check = new Database(file, { readonly: true });
  const integrity = check.pragma('integrity_check', { simple: true });
  const label = check.prepare('SELECT c.name FROM labels l JOIN classes c ON c.id = l.class_id WHERE l.image_id = ?');
  const lost = [...expected].filter(([id, name]) => (label.get(id) as { name: string } | undefined)?.name !== name);
  const images = (check.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n;
  check.close();

  latencies.sort((a, b) => a - b);
  const p = (q: number): string => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(1) : '-');
  console.log(`soak: ${seconds} s, ${CLIENTS} clients over HTTP + the CLI relabelling and importing into ${file}`);
  console.log(`  requests served   ${latencies.length} (${(latencies.length / wall).toFixed(0)}/s)`);
  console.log(`  latency ms        p50 ${p(0.5)}  p95 ${p(0.95)}  max ${p(1)}`);
  console.log(`  request errors    ${errors.length}${errors.length ? `  first: ${errors[0]}` : ''}`);
  console.log(`  CLI runs          ${cliRuns.ok} ok, ${cliRuns.failed.length} failed${cliRuns.failed.length ? `  first: ${cliRuns.failed[0]}` : ''}`);
  console.log(`  labels checked    ${expected.size}, lost ${lost.length}${lost.length ? `  first: image ${lost[0][0]} expected ${lost[0][1]}` : ''}`);
  console.log(`  images            ${images}`);
  console.log(`  integrity_check   ${integrity}`);
  const ok = errors.length === 0 && cliRuns.failed.length === 0 && lost.length === 0 && integrity === 'ok';
  console.log(`  verdict           ${ok ? 'PASS' : 'FAIL'}`);
  fs.rmSync(dir, { recursive: true, force: true });
  if (!ok) process.exitCode = 1;
}
