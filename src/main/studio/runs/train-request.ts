import type { RunConfig } from '../../../shared/run-config.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import type { RunRecord } from '../db/run-store.ts';

/** What a run is asked to do, and the progress it reports (head training and the fine-tune stage share them). */
export interface RunProgress {
  runId: number;
  stage: 'head' | 'fine-tune' | 'evaluate';
  message: string;
  epoch?: number;
  epochs?: number;
  loss?: number;
  valLoss?: number | null;
  valAccuracy?: number | null;
  etaSeconds?: number | null;
  kind: 'epoch' | 'batch' | 'state';
}

export interface TrainRequest {
  split?: string;
  name?: string;
  backbone?: string;
  config: RunConfig;
  runner: JobRunner;
  onProgress?(p: RunProgress): void;
  /** Called once the run record exists (the UI shows it queued at once). */
  onCreated?(run: RunRecord): void;
  signal?: AbortSignal;
}

