import fs from 'node:fs';
import path from 'node:path';
import type { PredictResult } from '../../../shared/api.ts';
import { StudioError } from '../../../shared/errors.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import type { Project } from '../project.ts';
import { exportRun } from './export-run.ts';
import { requireRun } from './run-store.ts';

/**
 * Classifies image files with a finished run. The run's whole classifier
 * (backbone + head, or the fine-tuned network) is exported once as TF.js into
 * the run's side folder and run by the same worker task that runs a user's
 * export: what "Try it" shows is exactly what the exported model predicts.
 * The side folder copy is re-derivable, so it is made again when missing.
 */
export async function predictWithRun(project: Project, runId: number, files: string[], runner: JobRunner, signal?: AbortSignal): Promise<PredictResult> {
  const run = requireRun(project, runId);
  if (run.state !== 'done') throw new StudioError('conflict', `run ${runId} is ${run.state}: only a finished run can predict`, 'runId');
  const dir = path.join(project.sideDir('runs', String(runId)), 'classifier-tfjs');
  const stamp = path.join(dir, 'model.json');
  // A run is frozen once done, but an older copy made before a fine-tune stage finished would be stale: compare times.
  const fresh = fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= (run.finishedAt ?? 0);
  if (!fresh) {
    fs.rmSync(dir, { recursive: true, force: true });
    await exportRun(project, { runId, format: 'tfjs', out: dir, runner, signal });
  }
  return runner.run<PredictResult>('predict-export', { model: dir, images: files }, { label: `predicting with run ${runId}`, signal });
}
