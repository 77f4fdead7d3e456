import type { TaskHandler } from './task.ts';

/**
 * Every task the worker can run, by kind, loaded on first use (so a worker
 * that only trains a head never loads what extraction needs, and the
 * diagnostics start instantly).
 *
 * To add a task: write `src/main/ml/tasks/<kind>.ts` exporting a TaskHandler
 * and add ONE line here. The core runs it with
 * `runner.run('<kind>', payload, { onProgress, onPartial, signal })`
 * (src/main/studio/jobs/job-runner.ts).
 */
export const tasks = {
  'diag-echo': () => import('./diagnostics.ts').then((m) => m.echoTask),
  'diag-count': () => import('./diagnostics.ts').then((m) => m.countTask),
  'diag-crash': () => import('./diagnostics.ts').then((m) => m.crashTask),
  'diag-block': () => import('./diagnostics.ts').then((m) => m.blockTask),
  'backend-info': () => import('./extract.ts').then((m) => m.backendInfoTask),
  'list-backends': () => import('./list-backends.ts').then((m) => m.listBackendsTask),
  extract: () => import('./extract.ts').then((m) => m.extractTask),
  'check-weights': () => import('./check-weights.ts').then((m) => m.checkWeightsTask),
  'train-head': () => import('./train-head.ts').then((m) => m.trainHeadTask),
  'predict-head': () => import('./train-head.ts').then((m) => m.predictHeadTask),
  suspects: () => import('./suspects.ts').then((m) => m.suspectsTask),
  export: () => import('./export.ts').then((m) => m.exportModelTask),
  'fine-tune': () => import('./fine-tune.ts').then((m) => m.fineTuneTask),
  'evaluate-images': () => import('./fine-tune.ts').then((m) => m.evaluateImagesTask),
  'estimate-fine-tune': () => import('./fine-tune.ts').then((m) => m.estimateFineTuneTask),
  'predict-export': () => import('./export.ts').then((m) => m.predictExportTask),
  'image-features': () => import('./image-features.ts').then((m) => m.imageFeaturesTask),
};
// Every entry is a loader of a task handler (checked here rather than by `satisfies`, which would widen each handler's type).
const _everyEntryIsATask: Record<string, () => Promise<TaskHandler<never, unknown, unknown>>> = tasks;
void _everyEntryIsATask;

/**
 * The worker protocol, typed by the registry above: each kind's payload,
 * result and streamed partials, read from its handler's type. The job runner
 * takes these (`runner.run('extract', payload, { onPartial })`), so a payload
 * or a result of the wrong shape is a compile error, with no cast of worker data.
 */
export type TaskKind = keyof typeof tasks;
type HandlerOf<K extends TaskKind> = Awaited<ReturnType<(typeof tasks)[K]>>;
export type TaskPayload<K extends TaskKind> = Parameters<HandlerOf<K>>[0];
export type TaskResult<K extends TaskKind> = Awaited<ReturnType<HandlerOf<K>>>;
export type TaskPartial<K extends TaskKind> = HandlerOf<K> extends TaskHandler<never, unknown, infer E> ? E : never;

export function isTaskKind(kind: string): kind is TaskKind {
  return Object.prototype.hasOwnProperty.call(tasks, kind);
}

/**
 * The worker's side of the wire: a message names a kind and carries a
 * structured-clone payload, typed by the runner that sent it (TaskPayload).
 * This is the one place the handler is seen as taking `unknown`: the
 * process boundary itself.
 */
export async function loadTask(kind: TaskKind): Promise<TaskHandler<unknown, unknown, unknown>> {
  return (await tasks[kind]()) as unknown as TaskHandler<unknown, unknown, unknown>;
}
