// Feature extraction speed of every built-in backbone (random-init weights:
// the same compute as the real ones) at its native input size on the chosen
// backend. XSTUDIO_BENCH_BACKBONES=xception,mobilenet_v2 picks some.
//   forward only   images/s of backbone.predict at batch 1, 4, 8 (decoded tensors ready)
//   pipeline       files on disk → features stored in the project, 1 worker and one per core
//   ratios         pipeline / forward-only (target ≥ 0.9), N workers / 1 worker (target ≥ 1.8 on 2 cores)
//   cached         wall time of a second, fully cached extract (in-process and as a CLI command)
// Defaults are modest; XSTUDIO_BENCH_IMAGES=N sets the image count, XSTUDIO_BENCH_SIZE the input size (default: each network's own).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '../src/main/ml/backend.ts';
import { BUILTIN_FACTS, BUILTIN_NAMES, isBuiltinName, type BuiltinName } from '../src/shared/backbone-catalog.ts';
import { loadBackbone } from '../src/main/ml/backbone.ts';
import { resolveBackbone } from '../src/main/studio/features/backbone-choice.ts';
import { extractFeatures } from '../src/main/studio/features/extract-features.ts';
import { JobRunner } from '../src/main/studio/jobs/job-runner.ts';
import { importFolder } from '../src/main/studio/library/import-folder.ts';
import { Project } from '../src/main/studio/project.ts';
import { colorFor, writeImage } from '../test/helpers/make-images.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function line(label: string, value: string, note = ''): void {
  console.log(`${label.padEnd(44)} ${value.padStart(14)}  ${note}`);
}

export async function run(): Promise<void> {
  const names = (process.env.XSTUDIO_BENCH_BACKBONES?.split(',') ?? [...BUILTIN_NAMES]).map((n) => n.trim());
  const summary: string[] = [];
  for (const name of names) {
    if (!isBuiltinName(name)) throw new Error(`XSTUDIO_BENCH_BACKBONES: unknown backbone ${name} (known: ${BUILTIN_NAMES.join(', ')})`);
    console.log(`\n--- ${BUILTIN_FACTS[name].displayName} ---`);
    summary.push(await benchBackbone(name));
  }
  console.log('\nimages/s, whole pipeline on the inference engine (1 worker, all workers) and TF.js forward-only (batch 4):');
  for (const s of summary) console.log(`  ${s}`);
}

async function benchBackbone(name: BuiltinName): Promise<string> {
  const size = Number(process.env.XSTUDIO_BENCH_SIZE ?? BUILTIN_FACTS[name].defaultInput);
  const cores = os.availableParallelism();
  const count = Number(process.env.XSTUDIO_BENCH_IMAGES ?? 8 * cores);
  const batchSizes = [1, 4, 8];
  const pipelineBatch = 4;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-bench-extract-'));
  process.env.XSTUDIO_CACHE ??= path.join(dir, 'cache');
  try {
    for (let i = 0; i < count; i++) await writeImage(path.join(dir, 'images', `c${i % 2}`, `${i}.jpg`), { width: 200, height: 200, color: colorFor(i) });
    const projectFile = path.join(dir, 'bench.xstudio');
    const project = new Project(projectFile);
    await importFolder(project, path.join(dir, 'images'));

    const backend = await selectBackend();
    console.log(`backend ${backend.name}${backend.simd ? ' (SIMD)' : ''}, ${cores} cores, ${BUILTIN_FACTS[name].displayName} at ${size}×${size}, ${count} images (200×200 JPEG)\n`);

    // Forward only, in this process: the baseline.
    const backbone = await loadBackbone({ kind: name, randomInit: true, inputSize: size });
    const per = size * size * 3;
    const forward: Record<number, number> = {};
    for (const b of batchSizes) {
      const x = new Float32Array(b * per);
      for (let i = 0; i < x.length; i++) x[i] = ((i * 7919) % 255) / 127.5 - 1;
      backbone.predict(x, b); // warm-up (kernels, memory)
      const reps = Math.max(2, Math.round(Math.min(count, 8) / b));
      const t = performance.now();
      for (let r = 0; r < reps; r++) backbone.predict(x, b);
      forward[b] = (reps * b) / ((performance.now() - t) / 1000);
      line(`forward only, batch ${b}`, `${forward[b].toFixed(2)} img/s`, b === 1 ? '(baseline)' : `× ${(forward[b] / forward[1]).toFixed(2)} vs batch 1`);
    }
    backbone.dispose();

    // Pipeline: workers are started and their backbone loaded first (an
    // extract of nothing), so the figures compare steady-state throughput
    // with the forward-only baseline, which excludes loading too.
    const { spec } = await resolveBackbone({ backbone: name, randomInit: true, inputSize: size });
    const clear = (): void => void project.db.prepare('DELETE FROM features').run();
    const pipeline = async (workers: number): Promise<{ rate: number; wall: number; loadSeconds: number; forward: number; wait: number; engine: string }> => {
      const runner = new JobRunner({ maxWorkers: workers });
      try {
        const tl = performance.now();
        await Promise.all(Array.from({ length: workers }, () => runner.run('extract', { spec, items: [], batchSize: pipelineBatch })));
        const loadSeconds = (performance.now() - tl) / 1000;
        const t = performance.now();
        const r = await extractFeatures(project, { backbone: name, randomInit: true, inputSize: size, batchSize: pipelineBatch, workers, runner });
        const wall = (performance.now() - t) / 1000;
        if (r.extracted !== count) throw new Error(`expected ${count} extracted, got ${r.extracted}`);
        return { rate: r.imagesPerSecond ?? 0, wall, loadSeconds, forward: r.forwardSeconds, wait: r.decodeWaitSeconds, engine: r.backend ?? 'none' };
      } finally {
        await runner.close();
      }
    };
    console.log('');
    const one = await pipeline(1);
    line(`pipeline on ${one.engine}, 1 worker (files → features stored)`, `${one.rate.toFixed(2)} img/s`, `ratio to TF.js forward-only batch ${pipelineBatch}: ${(one.rate / forward[pipelineBatch]).toFixed(2)} (the engines differ when the pipeline runs on ONNX Runtime: bench/extract.bench.ts compares each engine with itself); wall ${one.wall.toFixed(1)} s + ${one.loadSeconds.toFixed(1)} s worker start and model load`);
    line('  of which waiting for decoded images', `${one.wait.toFixed(2)} s`, `vs ${one.forward.toFixed(1)} s in the forward pass (first batch included: nothing to overlap it with)`);
    clear();
    const many = await pipeline(cores);
    line(`pipeline, ${cores} workers`, `${many.rate.toFixed(2)} img/s`, `× ${(many.rate / one.rate).toFixed(2)} vs 1 worker (target ≥ 1.8 on 2 cores); wall ${many.wall.toFixed(1)} s + ${many.loadSeconds.toFixed(1)} s start and load`);

    console.log('');
    const t = performance.now();
    const cached = await extractFeatures(project, { backbone: name, randomInit: true, inputSize: size });
    const inProcess = performance.now() - t;
    if (cached.extracted !== 0) throw new Error('second extract computed features');
    line('second extract, fully cached (in process)', `${inProcess.toFixed(0)} ms`, `${cached.cached} cached, no worker started`);
    project.close();
    const t2 = performance.now();
    const cli = spawnSync(process.execPath, [path.join(repo, 'bin/xstudio.mjs'), 'extract', '--project', projectFile, '--backbone', name, '--random-init', '--input-size', String(size), '--json'], { env: process.env, encoding: 'utf8' });
    const cliMs = performance.now() - t2;
    if (cli.status !== 0) throw new Error(cli.stderr);
    const t3 = performance.now();
    spawnSync(process.execPath, [path.join(repo, 'bin/xstudio.mjs'), '--help'], { encoding: 'utf8' });
    const helpMs = performance.now() - t3;
    line('second extract, fully cached (xstudio CLI)', `${cliMs.toFixed(0)} ms`, `baseline xstudio --help: ${helpMs.toFixed(0)} ms (ratio ${(cliMs / helpMs).toFixed(2)})`);
    return `${name.padEnd(16)} @${size}: pipeline on ${one.engine} ${one.rate.toFixed(2)} (1 worker), ${many.rate.toFixed(2)} (${cores} workers); TF.js ${backend.name} forward-only ${forward[pipelineBatch].toFixed(2)}`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
