import { afterEach, describe, expect, it } from 'vitest';
import { JobRunner } from './job-runner.ts';
import type { JobProgress } from './progress-meter.ts';

let runner: JobRunner | undefined;
afterEach(async () => {
  await runner?.close();
  runner = undefined;
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('JobRunner', () => {
  it('runs a task in a worker process; typed arrays cross as they are', async () => {
    runner = new JobRunner({ maxWorkers: 1 });
    const data = new Float32Array([1.5, -2, 3.25]);
    const back = await runner.run('diag-echo', { data });
    expect(back.data).toBeInstanceOf(Float32Array);
    expect([...(back.data ?? [])]).toEqual([1.5, -2, 3.25]);
  });

  it('reports progress with rate and ETA, and delivers partials in order before the result', async () => {
    runner = new JobRunner({ maxWorkers: 1 });
    const progress: JobProgress[] = [];
    const partials: number[] = [];
    const result = await runner.run('diag-count', { n: 8, stepMs: 15 }, {
      onProgress: (p) => progress.push(p),
      onPartial: (d) => void partials.push((d as { value: number }).value),
    });
    expect(result.counted).toBe(8);
    expect(result.pid).not.toBe(process.pid);
    expect(partials).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(progress.map((p) => p.done)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const last = progress[progress.length - 1];
    expect(last).toMatchObject({ total: 8, unit: 'steps', etaSeconds: 0 });
    expect(last.rate).toBeGreaterThan(0);
    expect(progress[3].etaSeconds).toBeGreaterThan(0);
  });

  it('queues jobs beyond the worker limit and reuses the worker', async () => {
    runner = new JobRunner({ maxWorkers: 1 });
    const jobs = [1, 2, 3].map((n) => runner!.run('diag-count', { n, stepMs: 5 }));
    expect(runner.stats).toMatchObject({ running: 1, queued: 2 });
    const results = await Promise.all(jobs);
    expect(results.map((r) => r.counted)).toEqual([1, 2, 3]);
    expect(new Set(results.map((r) => r.pid)).size).toBe(1);
  });

  it('runs jobs in parallel on several workers', async () => {
    runner = new JobRunner({ maxWorkers: 2 });
    const results = await Promise.all([runner.run('diag-count', { n: 3 }), runner.run('diag-count', { n: 3 })]);
    expect(results[0].pid).not.toBe(results[1].pid);
  });

  it('cancel kills the worker, rejects with "cancelled" and keeps the partials already delivered', async () => {
    runner = new JobRunner({ maxWorkers: 1 });
    const controller = new AbortController();
    const stored: number[] = [];
    let pid = 0;
    const job = runner.run('diag-count', { n: 1000, stepMs: 5 }, {
      signal: controller.signal,
      onPartial: (d) => {
        stored.push((d as { value: number }).value);
        if (stored.length === 5) controller.abort();
      },
    });
    pid = (runner as unknown as { workers: Set<{ child: { pid: number } }> }).workers.values().next().value!.child.pid;
    await expect(job).rejects.toMatchObject({ code: 'cancelled', message: expect.stringContaining('cancelled') });
    expect(stored.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
    expect(alive(pid)).toBe(false);
    // The runner goes on with a fresh worker.
    await expect(runner.run('diag-count', { n: 2 })).resolves.toMatchObject({ counted: 2 });
  });

  it('a queued job cancelled before it starts never runs', async () => {
    runner = new JobRunner({ maxWorkers: 1 });
    const first = runner.run('diag-count', { n: 5, stepMs: 5 });
    const controller = new AbortController();
    const second = runner.run('diag-count', { n: 5 }, { signal: controller.signal });
    controller.abort();
    await expect(second).rejects.toMatchObject({ code: 'cancelled' });
    await expect(first).resolves.toMatchObject({ counted: 5 });
  });

  it('a worker killed by a signal fails only its job, with a clear message; the next job runs', async () => {
    runner = new JobRunner({ maxWorkers: 1 });
    const partials: unknown[] = [];
    const crash = runner.run('diag-crash', { how: 'sigkill', after: 2 }, { label: 'extracting features', onPartial: (d) => void partials.push(d) });
    const next = runner.run('diag-count', { n: 2 });
    await expect(crash).rejects.toMatchObject({
      code: 'internal',
      message: 'worker exited with signal SIGKILL while extracting features (out of memory?)',
    });
    expect(partials).toHaveLength(2);
    await expect(next).resolves.toMatchObject({ counted: 2 });
  });

  it('a worker exiting with a code, and a task throwing, fail their job with the reason', async () => {
    runner = new JobRunner({ maxWorkers: 1 });
    await expect(runner.run('diag-crash', { how: 'exit' })).rejects.toMatchObject({ code: 'internal', message: expect.stringContaining('worker exited with code 3') });
    await expect(runner.run('diag-crash', { how: 'throw' })).rejects.toMatchObject({ code: 'invalid-argument', message: 'diag-crash was asked to throw' });
    // A kind the protocol does not know (a newer core and an older worker): refused in words.
    await expect(runner.run('no-such-task' as 'diag-echo', {})).rejects.toMatchObject({ message: expect.stringContaining('unknown task kind "no-such-task"') });
  });
});

describe('JobRunner idle workers', () => {
  it('ends a worker left idle past the timeout; the next job gets a new one', async () => {
    runner = new JobRunner({ maxWorkers: 1, idleTimeoutMs: 200 });
    const first = await runner.run('diag-count', { n: 1 });
    for (let i = 0; i < 100 && alive(first.pid); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(first.pid)).toBe(false);
    expect(runner.stats.workers).toBe(0);
    const second = await runner.run('diag-count', { n: 1 });
    expect(second.pid).not.toBe(first.pid);
  });
});

describe('JobRunner orphaned workers', () => {
  it('a worker whose core process was killed ends itself, even in the middle of a long computation', async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const runnerModule = fileURLToPath(new URL('./job-runner.ts', import.meta.url));
    // A core process that starts a worker busy for a minute, prints its pid, and is then killed with SIGKILL.
    const script = `
      const { JobRunner } = await import(${JSON.stringify(runnerModule)});
      const r = new JobRunner({ maxWorkers: 1 });
      void r.run('diag-block', { ms: 60000 });
      const wait = () => r.workerPids.length ? console.log('worker', r.workerPids[0]) : setTimeout(wait, 20);
      wait();`;
    const core = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const workerPid = await new Promise<number>((resolve) => core.stdout.on('data', (d: Buffer) => {
      const m = /worker (\d+)/.exec(String(d));
      if (m) resolve(Number(m[1]));
    }));
    await new Promise((r) => setTimeout(r, 500)); // let the task start blocking
    core.kill('SIGKILL');
    for (let i = 0; i < 200 && alive(workerPid); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(workerPid)).toBe(false);
  });
});
