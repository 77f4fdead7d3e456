import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { fieldError, StudioError } from '../../../shared/errors.ts';
import type { ExportCheck } from '../../../shared/api.ts';
import { listOutput, refuseExisting, writeAtomically } from '../../common/atomic-write.ts';
import { writeDataset, type DatasetRow } from './export-dataset.ts';
import { classifierMetadata, type ExportMetadata } from '../../common/export-metadata.ts';
import { renderReport, type ReportMistake } from './report-html.ts';
import { loadHead } from '../../common/head-io.ts';
import type { PreprocessMode } from '../../ml/preprocess.ts';
import type { ExportCheckInput, ExportModelPayload } from '../../ml/tasks/export.ts';
import { getBackbone, loadFeatures } from '../db/feature-store.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import type { Project } from '../project.ts';
import { fineTunedModel } from './fine-tune-stage.ts';
import { imagePaths, specFromRecord } from './run-data.ts';
import { addArtefact, evaluationPredictions, latestEvaluation, requireRun, runEpochs, runImages, type RunRecord } from '../db/run-store.ts';
import { headCheckpointPath } from './run-paths.ts';

export type ExportFormat = 'tfjs' | 'keras' | 'onnx' | 'head' | 'dataset' | 'report';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['tfjs', 'keras', 'onnx', 'head', 'dataset', 'report'];

/** Validation images an export is checked on, at most. */
export const EXPORT_CHECK_IMAGES = 200;
/** Largest probability difference an export may show against the studio's own. */
export const EXPORT_CHECK_TOLERANCE = 1e-4;

export interface ExportOutcome {
  run: number;
  format: ExportFormat;
  path: string;
  files: string[];
  bytes: number;
  ms: number;
  /** The self-check (null for dataset and report, or a run without validation images). */
  check: ExportCheck | null;
  /** Time to build and write the files, and to run the self-check (model formats). */
  writeMs?: number;
}

let version: string | undefined;
/** The studio's version, from its package.json. */
export function studioVersion(): string {
  if (version) return version;
  for (let dir = import.meta.dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'xception-studio') return (version = pkg.version ?? 'unknown');
    }
    if (path.dirname(dir) === dir) return (version = 'unknown');
  }
}

/**
 * The images an export is checked on: up to EXPORT_CHECK_IMAGES of the run's
 * validation part, with the run's stored validation probabilities when they
 * come from the model being exported (head, or fine-tuned network), and for a
 * head export their cached features.
 */
function checkInput(project: Project, run: RunRecord, format: ExportFormat, fineTuned: boolean): ExportCheckInput {
  const stored = latestEvaluation(project.db, run.id, 'val');
  const usable = stored && stored.model === (fineTuned && format !== 'head' ? 'fine-tuned' : 'head') ? new Map(evaluationPredictions(project.db, stored.id).map((p) => [p.imageId, p.probs])) : null;
  let ids = runImages(project.db, run.id, 'val').map((m) => m.imageId);
  const paths = imagePaths(project, ids);
  ids = ids.filter((id) => paths.has(id) && fs.existsSync(paths.get(id)!));
  let features: Float32Array | null = null;
  if (format === 'head') {
    const f = loadFeatures(project.db, run.backboneKey, ids.slice(0, EXPORT_CHECK_IMAGES));
    ids = f.ids;
    features = f.matrix;
  }
  ids = ids.slice(0, EXPORT_CHECK_IMAGES);
  const reference = usable && ids.every((id) => usable.has(id)) ? Float32Array.from(ids.flatMap((id) => usable.get(id)!)) : null;
  return { files: ids.map((id) => paths.get(id)!), reference, features, tolerance: EXPORT_CHECK_TOLERANCE };
}

function runMeta(run: RunRecord, fineTuned: boolean): ExportMetadata['run'] {
  return { id: run.id, name: run.name, split: run.splitName, bestEpoch: run.bestEpoch, fineTuned, val: run.val };
}

/**
 * Exports a run. Model formats (tfjs, keras, head) are built in a worker;
 * dataset and report are files written here. Every export is written under a
 * temporary name and renamed when complete.
 */
export async function exportRun(
  project: Project,
  o: { runId: number; format: ExportFormat; out: string; tree?: 'none' | 'link' | 'copy'; overwrite?: boolean; runner: JobRunner; signal?: AbortSignal },
): Promise<ExportOutcome> {
  if (!EXPORT_FORMATS.includes(o.format)) throw fieldError('invalid-argument', 'format', `expected one of ${EXPORT_FORMATS.join(', ')}, got "${o.format}"`);
  const t0 = performance.now();
  const run = requireRun(project.db, o.runId);
  const out = path.resolve(o.out);
  const overwrite = o.overwrite ?? false;
  refuseExisting(out, overwrite, 'out');
  let check: ExportCheck | null = null;
  let writeMs: number | undefined;
  if (o.format === 'dataset') {
    await exportDataset(project, run, out, o.tree ?? 'none', overwrite);
  } else if (o.format === 'report') {
    await writeAtomically(out, 'file', async (tmp) => fs.writeFileSync(tmp, await buildReport(project, run)), { overwrite, field: 'out' });
  } else {
    const checkpoint = headCheckpointPath(project, run.id);
    if (!fs.existsSync(checkpoint)) throw new StudioError('conflict', `run ${run.id} (${run.state}) has no trained head to export yet`);
    const head = loadHead(checkpoint);
    const backbone = getBackbone(project.db, run.backboneKey);
    if (!backbone) throw new StudioError('not-found', `backbone ${run.backboneKey} of run ${run.id} is no longer in the project`);
    const tuned = fineTunedModel(project, run.id);
    const classes = run.classes.map((c) => c.name);
    const backboneMeta = { id: run.backboneId, name: run.backboneName, kind: backbone.kind, randomInit: run.randomInit, featureDim: run.featureDim };
    const metadata: ExportMetadata =
      o.format === 'head'
        ? { ...classifierMetadata({ classes, preprocess: backbone.preprocess as PreprocessMode, inputSize: backbone.inputSize, backbone: backboneMeta, run: runMeta(run, false) }), model: 'head', input: { features: head.inputDim } }
        : classifierMetadata({ classes, preprocess: backbone.preprocess as PreprocessMode, inputSize: backbone.inputSize, backbone: backboneMeta, run: runMeta(run, tuned !== null) });
    const payload: ExportModelPayload = {
      format: o.format,
      out,
      overwrite,
      head,
      spec: o.format === 'head' || tuned ? undefined : specFromRecord(backbone),
      fineTunedModel: o.format === 'head' ? undefined : tuned ?? undefined,
      metadata,
      studioVersion: studioVersion(),
      check: checkInput(project, run, o.format, tuned !== null),
    };
    const r = await o.runner.run('export', payload, { signal: o.signal, label: `exporting run ${run.id} as ${o.format}` });
    check = r.check;
    writeMs = r.writeMs;
  }
  addArtefact(project.db, run.id, `export-${o.format}`, out);
  const listed = listOutput(out);
  return { run: run.id, format: o.format, path: out, files: listed.files, bytes: listed.bytes, ms: performance.now() - t0, check, ...(writeMs !== undefined ? { writeMs } : {}) };
}

async function exportDataset(project: Project, run: RunRecord, out: string, tree: 'none' | 'link' | 'copy', overwrite: boolean): Promise<void> {
  const members = runImages(project.db, run.id);
  const paths = imagePaths(project, members.map((m) => m.imageId));
  const name = new Map(run.classes.map((c) => [c.id, c.name]));
  const rows: DatasetRow[] = members
    .filter((m) => paths.has(m.imageId))
    .map((m) => ({ path: paths.get(m.imageId)!, label: name.get(m.classId)!, split: m.part }));
  await writeAtomically(out, 'dir', async (tmp) => writeDataset(tmp, rows, tree), { overwrite, field: 'out' });
}

async function thumbnail(file: string): Promise<string | null> {
  try {
    const buf = await sharp(file).rotate().resize(150, 150, { fit: 'cover' }).jpeg({ quality: 70 }).toBuffer();
    return `data:image/jpeg;base64,${buf.toString('base64')}`;
  } catch {
    return null;
  }
}

export async function buildReport(project: Project, run: RunRecord, maxMistakes = 24): Promise<string> {
  const classes = run.classes.map((c) => c.name);
  const evals = (['val', 'test'] as const).map((p) => latestEvaluation(project.db, run.id, p)).filter((e) => e !== undefined);
  const mistakes: ReportMistake[] = [];
  const worstFrom = evals.find((e) => e.part === 'val') ?? evals[0];
  if (worstFrom) {
    const wrong = evaluationPredictions(project.db, worstFrom.id).filter((p) => !p.correct).sort((a, b) => b.probs[b.predicted] - a.probs[a.predicted]).slice(0, maxMistakes);
    const paths = imagePaths(project, wrong.map((w) => w.imageId));
    for (const w of wrong) {
      const file = paths.get(w.imageId);
      mistakes.push({
        name: file ? path.basename(file) : `image ${w.imageId}`,
        label: classes[w.trueClass],
        predicted: classes[w.predicted],
        confidence: w.probs[w.predicted],
        thumbnail: file ? await thumbnail(file) : null,
      });
    }
  }
  return renderReport({
    title: `Run ${run.id}${run.name && run.name !== `run ${run.id}` ? ` — ${run.name}` : ''}`,
    summary: {
      state: run.state, split: run.splitName, backbone: run.backboneName ?? run.backboneKey,
      'random-init backbone': run.randomInit, backend: run.backend, seed: run.seed, classes: classes.join(', '),
      'best epoch': run.bestEpoch, 'val loss': run.val.loss, 'val accuracy': run.val.accuracy,
      started: run.startedAt ? new Date(run.startedAt).toISOString() : null, finished: run.finishedAt ? new Date(run.finishedAt).toISOString() : null,
    },
    config: run.config,
    classes,
    curve: runEpochs(project.db, run.id),
    evaluations: evals.map((e) => ({ part: e.part, model: e.model, accuracy: e.metrics.accuracy, loss: e.metrics.loss, rocAuc: e.metrics.rocAuc, confusion: e.metrics.confusion, perClass: e.metrics.perClass })),
    mistakes,
    generatedAt: new Date().toISOString(),
  });
}
