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
export const tasks: Record<string, () => Promise<TaskHandler>> = {
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
