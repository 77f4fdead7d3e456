/**
 * Entry of an ML worker process, forked by the job runner
 * (src/main/studio/jobs/job-runner.ts) with an IPC channel using "advanced"
 * serialization. It runs one task at a time, in the order received, and
 * stays alive between jobs so the backend and loaded models are reused.
 * Cancel is the runner killing this process; a crash fails only the job it
 * was running.
 */
import { Worker } from 'node:worker_threads';
import { serializeError, StudioError } from '../../shared/errors.ts';
import { isTaskKind, loadTask, tasks } from './tasks/index.ts';
import type { FromWorker, ToWorker } from './tasks/task.ts';

function send(msg: FromWorker): void {
  process.send?.(msg);
}

const controllers = new Map<number, AbortController>();
let chain: Promise<void> = Promise.resolve();

async function runOne(id: number, kind: string, payload: unknown): Promise<void> {
  const controller = new AbortController();
  controllers.set(id, controller);
  try {
    if (!isTaskKind(kind)) throw new StudioError('invalid-argument', `unknown task kind "${kind}"; known: ${Object.keys(tasks).join(', ')}`);
    const handler = await loadTask(kind);
    const result = await handler(payload, {
      progress: (progress) => send({ type: 'progress', id, progress }),
      emit: (data) => send({ type: 'partial', id, data }),
      signal: controller.signal,
    });
    send({ type: 'done', id, result });
  } catch (err) {
    send({ type: 'error', id, error: serializeError(err) });
  } finally {
    controllers.delete(id);
  }
}

if (!process.send) {
  process.stderr.write('src/main/ml/worker.ts is started by the job runner (child_process.fork), not by hand.\n');
  process.exit(2);
}

process.on('message', (msg: ToWorker) => {
  if (msg.type === 'run') chain = chain.then(() => runOne(msg.id, msg.kind, msg.payload));
  else if (msg.type === 'cancel') controllers.get(msg.id)?.abort();
});
// The core went away (closed, crashed, killed): nobody will read our results.
process.on('disconnect', () => process.exit(0));
// 'disconnect' needs a free event loop; a task can hold it for minutes (a long
// forward pass). A watchdog thread notices an orphaned worker (its parent
// changed) regardless, so a killed CLI never leaves a worker burning a core.
new Worker(
  `const { workerData } = require('node:worker_threads');
   setInterval(() => { if (process.ppid !== workerData.parent) process.kill(workerData.pid, 'SIGKILL'); }, 1000);`,
  { eval: true, workerData: { parent: process.ppid, pid: process.pid } },
).unref();
send({ type: 'ready', pid: process.pid });
