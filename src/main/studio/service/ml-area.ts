/**
 * ML calls: which backend the studio runs on, the Xception weights (status,
 * download, import), the feature store and extraction (a job in the worker
 * pool), and the job list / cancel shared by all long work.
 */
import { underField } from '../../../shared/errors.ts';
import path from 'node:path';
import type { BackendStatus, BackboneSummary, ExtractionConfig, ExtractionResult, WeightsStatus } from '../../../shared/api.ts';
import { builtinBackboneInfos } from '../features/backbone-choice.ts';
import { BUILTIN_FACTS } from '../../../shared/backbone-catalog.ts';
import { featureCoverage, listBackbones, latestBackbone } from '../db/feature-store.ts';
import { healthyImageCount } from '../db/image-store.ts';
import { fetchWeights } from '../weights/fetch-weights.ts';
import { KNOWN_WEIGHTS } from '../weights/known-weights.ts';
import { listWeights, weightsDir } from '../weights/weights-cache.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import type { ServiceArea, ServiceContext } from './context.ts';

const BADGES: Record<string, { label: string; slow: boolean }> = {
  gpu: { label: 'GPU (CUDA)', slow: false },
  node: { label: 'CPU (TensorFlow native)', slow: false },
  wasm: { label: 'CPU (WebAssembly) — slow', slow: true },
  cpu: { label: 'CPU (JavaScript) — very slow', slow: true },
};

const ONNX_LABEL = 'CPU (ONNX Runtime)';

async function backendStatus(runner: JobRunner): Promise<BackendStatus> {
  // Asked of a worker: the server process never loads tfjs (see tasks/list-backends.ts).
  const l = await runner.run('list-backends', {}, { label: 'listing the ML backends' });
  const badge = BADGES[l.chosen] ?? { label: l.chosen, slow: true };
  const tfjsLabel = l.chosen === 'wasm' && l.simd === false ? 'CPU (WebAssembly, no SIMD) — slow' : badge.label;
  // The badge names both engines when they differ: inference is what users wait on.
  const onnx = l.engines.inference === 'onnxruntime';
  return {
    chosen: l.chosen,
    label: onnx ? `${ONNX_LABEL} · training ${tfjsLabel}` : tfjsLabel,
    slow: onnx ? false : badge.slow,
    gpuName: null,
    reason: l.reason,
    simd: l.simd,
    backends: l.backends.map((b) => ({ name: b.name, available: b.available, reason: b.reason || null })),
    engines: l.engines,
    engineLabels: { inference: onnx ? ONNX_LABEL : tfjsLabel, training: tfjsLabel },
  };
}

async function weightsStatus(): Promise<WeightsStatus> {
  const entries = await listWeights();
  return {
    cacheDir: weightsDir(),
    backbones: builtinBackboneInfos(),
    files: KNOWN_WEIGHTS.map((k) => {
      const e = entries.find((x) => x.id === k.id);
      return {
        backbone: k.backbone,
        variant: k.includeTop ? 'top' : 'notop',
        fileName: k.fileName,
        present: !!e?.file,
        path: e?.file ?? null,
        bytes: e?.bytes ?? null,
        expectedMd5: k.md5,
      };
    }),
  };
}

export function mlArea(ctx: ServiceContext): ServiceArea {
  let backend: Promise<BackendStatus> | null = null;

  const backbones = (): BackboneSummary[] =>
    listBackbones(ctx.project().db).map((b) => ({
      key: b.key, kind: b.kind, name: b.name, inputSize: b.inputSize, featureDim: b.featureDim ?? 0, preprocess: b.preprocess,
      // Images, not contents: copies of one photo share its feature, and the card compares this with the image count.
      randomInit: b.randomInit, images: featureCoverage(ctx.project().db, b.key).withFeatures, createdAt: b.createdAt,
    }));

  return {
    getBackend() {
      backend ??= backendStatus(ctx.runner()).catch((err: unknown) => {
        backend = null;
        throw err;
      });
      return backend;
    },
    getWeightsStatus: () => weightsStatus(),
    async fetchWeights({ top, url, md5, backbone }) {
      const job = ctx.jobs.start('weights-fetch', `Downloading the ${BUILTIN_FACTS[backbone ?? 'xception'].displayName} weights${top ? ' (with top)' : ''}`, (h) =>
        fetchWeights({ top, url, md5, backbone, signal: h.signal, onProgress: (p) => h.progress({ done: p.done, total: p.total ?? 0, unit: 'bytes' }) }), { unit: 'bytes' });
      return { jobId: job.id };
    },
    async importWeights({ file }) {
      const { importWeights } = await import('../weights/import-weights.ts');
      const imported = await importWeights(file, { runner: ctx.runner() });
      return { ...(await weightsStatus()), imported };
    },
    async getFeatureStatus() {
      const project = ctx.project();
      const total = healthyImageCount(project.db);
      return { backbones: backbones(), latest: latestBackbone(project.db)?.key ?? null, totalImages: total };
    },
    async startExtraction(c: ExtractionConfig) {
      const project = ctx.project();
      // Loaded on first use: extraction pulls in the ML stack.
      const { extractFeatures } = await import('../features/extract-features.ts');
      const what = c.backbone === 'layers-model' ? `layers model ${c.modelJson}` : `${c.backbone}${c.randomInit ? ' (random init)' : ''}`;
      const job = ctx.jobs.start('extract', `Extracting features (${what}${c.inputSize ? `, ${c.inputSize} px` : ''})`, async (h): Promise<ExtractionResult> => {
        const r = await extractFeatures(project, {
          ...c,
          runner: ctx.runner(),
          signal: h.signal,
          onProgress: (p) => h.progress({ done: p.done, total: p.total, unit: p.unit, message: p.message }),
        });
        if (r.failed.length) ctx.projectChanged();
        return {
          backend: r.backend ?? 'none (all cached)',
          extracted: r.extracted,
          cached: r.cached,
          duplicates: r.duplicates,
          images: r.images,
          failed: r.failed,
          imagesPerSecond: r.imagesPerSecond ?? 0,
          workers: r.workers,
          seconds: r.seconds,
          backbone: backbones().find((b) => b.key === r.backbone.key) ?? null,
        };
      }, { unit: 'images' });
      return { jobId: job.id };
    },
    async computeImageFeatures({ files, backbone: c, seed }) {
      const { resolveBackbone } = await import('../features/backbone-choice.ts');
      // The choice is the call's `backbone` field: its errors name backbone.inputSize, not inputSize.
      const { spec } = await resolveBackbone(c).catch((err: unknown) => {
        throw underField('backbone', err);
      });
      const job = ctx.jobs.start('extract', `Computing features of ${files.length} file(s)`, (h) =>
        ctx.runner().run('image-features', { spec: seed !== undefined && spec.kind === 'xception' ? { ...spec, seed } : spec, files: files.map((f) => path.resolve(f)), batchSize: c.batchSize }, {
          signal: h.signal, onProgress: (p) => h.progress({ done: p.done, total: p.total, unit: 'images' }),
        }), { unit: 'images' });
      return job.done;
    },
    listJobs: async () => ctx.jobs.list(),
    cancelJob: async ({ jobId }) => ctx.jobs.cancel(jobId),
  };
}
