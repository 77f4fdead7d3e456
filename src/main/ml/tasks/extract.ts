import fs from 'node:fs';
import { selectBackend, useBackendForWeights, type BackendInfo } from '../backend.ts';
import { loadBackbone, type Backbone, type BackboneSpec } from '../backbone.ts';
import { inferenceEngine, type InferenceEngineKind } from '../../common/engine-choice.ts';
import { runExtractPipeline, type PipelineItem, type PipelineStats } from '../extract-pipeline.ts';
import { frozenRunner } from '../inference.ts';
import { releaseOnnx } from '../onnx-engine.ts';
import type { TaskHandler } from './task.ts';

/** Which backend this worker runs on (the core uses it to choose how many workers to start). */
export const backendInfoTask: TaskHandler<Record<string, never>, BackendInfo & { cores: number }> = async () => {
  const { availableParallelism } = await import('node:os');
  return { ...(await selectBackend()), cores: availableParallelism() };
};

export interface ExtractPayload {
  spec: BackboneSpec;
  /** key = image content hash; one item per distinct content. */
  items: PipelineItem[];
  batchSize: number;
  prefetchBatches?: number;
  /** The engine the core tagged the cache key with (engine-choice.ts); default: this process' choice. */
  engine?: InferenceEngineKind;
  /** ONNX Runtime intra-op threads (the core splits the cores between workers). */
  threads?: number;
}

/** Partials streamed to the core, in this order: the backbone once, then batches and failures. */
export type ExtractPartial =
  | { type: 'backbone'; id: string; featureDim: number; inputSize: number; preprocess: string; preprocessVersion: number; randomInit: boolean; engine: InferenceEngineKind }
  | { type: 'features'; keys: string[]; vectors: Float32Array; dim: number }
  | { type: 'failed'; key: string; path: string; reason: string };

export interface ExtractTaskResult extends PipelineStats {
  backend: string;
  loadMs: number;
  pid: number;
}

/**
 * Loads the backbone and runs the prefetching pipeline over `items`,
 * emitting every batch of features as soon as it exists: the core stores it
 * at once, so cancel or a crash loses at most the batch in flight.
 */
export const extractTask: TaskHandler<ExtractPayload, ExtractTaskResult, ExtractPartial> = async (payload, ctx) => {
  const backend = await selectBackend();
  const t0 = performance.now();
  if ((payload.engine ?? inferenceEngine().engine) === 'onnxruntime') await useBackendForWeights();
  const backbone = await cachedBackbone(payload.spec);
  const runner = await frozenRunner(backbone, { engine: payload.engine, threads: payload.threads });
  const loadMs = performance.now() - t0;
  ctx.emit({
    type: 'backbone', id: backbone.id, featureDim: backbone.featureDim, inputSize: backbone.inputSize,
    preprocess: backbone.preprocess, preprocessVersion: backbone.preprocessVersion, randomInit: backbone.randomInit, engine: runner.engine,
  } satisfies ExtractPartial);
  const total = payload.items.length;
  let done = 0;
  ctx.progress({ done, total, unit: 'images', message: `backbone loaded on ${runner.label}` });
  const stats = await runExtractPipeline({
    items: payload.items,
    inputSize: backbone.inputSize,
    preprocess: backbone.preprocess,
    batchSize: payload.batchSize,
    prefetchBatches: payload.prefetchBatches,
    featureDim: backbone.featureDim,
    predict: (batch, n) => runner.predict(batch, n),
    onBatch: (keys, vectors) => {
      ctx.emit({ type: 'features', keys, vectors, dim: backbone.featureDim } satisfies ExtractPartial);
      done += keys.length;
      ctx.progress({ done, total, unit: 'images' });
    },
    onFailed: (item, reason) => {
      ctx.emit({ type: 'failed', key: item.key, path: item.path, reason } satisfies ExtractPartial);
      done += 1;
      ctx.progress({ done, total, unit: 'images' });
    },
    signal: ctx.signal,
  });
  return { ...stats, backend: runner.engine === 'onnxruntime' ? 'onnxruntime' : backend.name, loadMs, pid: process.pid };
};

/**
 * The core sends extraction in chunks (so a worker that started late simply
 * takes fewer); the backbone of the previous chunk is kept, so only the first
 * chunk of a worker pays for loading it. A different spec replaces it.
 */
let loaded: { key: string; backbone: Promise<Backbone> } | undefined;
async function cachedBackbone(spec: BackboneSpec): Promise<Backbone> {
  // The files' size and mtime are part of the key: a weights file replaced in place is reloaded.
  const file = spec.kind === 'layers-model' ? spec.modelJson : spec.weightsFile;
  const st = file && fs.existsSync(file) ? fs.statSync(file) : undefined;
  const key = JSON.stringify([spec, st?.size, st?.mtimeMs]);
  if (loaded?.key !== key) {
    const previous = loaded;
    const entry = { key, backbone: loadBackbone(spec) };
    loaded = entry;
    entry.backbone.catch(() => {
      if (loaded === entry) loaded = undefined;
    });
    if (previous) {
      void previous.backbone.then(async (b) => {
        await releaseOnnx(b.id);
        b.dispose();
      }, () => {});
    }
  }
  return loaded.backbone;
}
