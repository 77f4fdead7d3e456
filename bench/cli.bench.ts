// Start-up of the command line, as a user waits for it: `xstudio --help` and
// `xstudio status` on a small project, against bare Node (`node -e 0`) and
// Node loading tsx (what bin/xstudio.mjs adds before any studio code), all
// measured in the same run, median of N (default 7; XSTUDIO_BENCH_REPS).
// The goal: --help within 0.3 s of bare Node, and neither --help nor status
// loads TensorFlow.js (only the ML worker does); this bench also checks that,
// from the `_tfengine` global tfjs-core sets when it loads.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(repo, 'bin', 'xstudio.mjs');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(args: string[], env: NodeJS.ProcessEnv, reps: number): number {
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { env, cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    ts.push(performance.now() - t);
  }
  return median(ts);
}

export async function run(): Promise<void> {
  const reps = Number(process.env.XSTUDIO_BENCH_REPS ?? 7);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-bench-cli-'));
  const env = { ...process.env, XSTUDIO_HOME: path.join(dir, 'home'), XSTUDIO_CACHE: path.join(dir, 'cache') };
  try {
    const images = path.join(dir, 'images', 'cat');
    fs.mkdirSync(images, { recursive: true });
    // A 1×1 PNG is enough for a project to have an image and a class.
    fs.writeFileSync(path.join(images, 'a.png'), Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc000000301010018dd8db00000000049454e44ae426082', 'hex'));
    const project = path.join(dir, 'p.xstudio');
    const imported = spawnSync(process.execPath, [bin, 'import', path.dirname(images), '--project', project, '--json'], { env, cwd: repo });
    if (imported.status !== 0) throw new Error(`import failed: ${imported.stderr}`);

    const bare = time(['-e', '0'], env, reps);
    const withTsx = time(['--import', 'tsx', '-e', '0'], env, reps);
    const help = time([bin, '--help'], env, reps);
    const status = time([bin, 'status', '--project', project, '--json'], env, reps);
    const ms = (x: number): string => `${x.toFixed(0)} ms`;
    console.log(`node -e 0 (baseline)          ${ms(bare)}`);
    console.log(`node --import tsx -e 0        ${ms(withTsx)}  (+${ms(withTsx - bare)})`);
    console.log(`xstudio --help                ${ms(help)}  (+${ms(help - bare)} over bare Node; goal ≤ +300 ms: ${help - bare <= 300 ? 'met' : 'NOT met'}; ratio ${(help / bare).toFixed(2)})`);
    console.log(`xstudio status --json         ${ms(status)}  (+${ms(status - bare)} over bare Node; ratio ${(status / bare).toFixed(2)})`);

    // Does either load TF.js? tfjs-core registers a global engine when it is imported.
    const probe = (args: string): string => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', `const { main } = await import(${JSON.stringify(path.join(repo, 'src/main/cli.ts'))}); const { Writable } = await import('node:stream'); const sink = new Writable({ write(c, e, cb) { cb(); } }); await main(${args}, sink, sink); console.log(typeof globalThis._tfengine);`], { env, cwd: repo, encoding: 'utf8' });
      return r.stdout.trim().split('\n').pop() ?? '?';
    };
    console.log(`TF.js loaded by --help: ${probe(JSON.stringify(['--help'])) === 'undefined' ? 'no' : 'YES'}; by status: ${probe(JSON.stringify(['status', '--project', project])) === 'undefined' ? 'no' : 'YES'}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
