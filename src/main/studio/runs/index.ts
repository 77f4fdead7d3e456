/**
 * Training runs, for the CLI and the UI server. Every function takes an open
 * Project; the ML work runs in the JobRunner's worker (pass the server's
 * long-lived runner). Runs execute one at a time (in-process chain, and across
 * processes through the project file); call markInterruptedRuns when a
 * project is opened so runs orphaned by a dead process show as interrupted.
 */
export { trainRun, type TrainRequest, type TrainOutcome, type RunProgress } from './train-run.ts';
export { listRuns, runDetail, summarizeRun, type RunSummaryRow } from './run-summary.ts';
export { evaluateRun, type EvaluateResult } from './evaluate-run.ts';
export { compareRuns, type RunComparisonResult } from './compare-runs.ts';
export { findSuspects, type SuspectsOutcome, type SuspectRow } from './suspects-run.ts';
export { exportRun, buildReport, EXPORT_FORMATS, type ExportFormat, type ExportOutcome } from './export-run.ts';
export { markInterruptedRuns, getRun, requireRun, runEpochs, type RunRecord, type RunState } from './run-store.ts';
export { parseRunConfig, runConfigSchema, type RunConfig } from '../../ml/run-config.ts';
