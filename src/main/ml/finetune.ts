import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../shared/errors.ts';
import { augmentImage } from './augment.ts';
import { BUILTIN_BACKBONES, isBuiltinName, xceptionBlockOf } from './backbones/index.ts';
import { installConvGradients } from './conv-gradients.ts';
import type { Backbone } from './backbone.ts';
import { buildClassifier } from './export/classifier.ts';
import { epochMetrics, makeOptimizer, predictedFromProbs, rowLossFromProbs, setLearningRate, type EpochMetrics, type HeadWeights } from './head.ts';
import { applyPreprocess, decodeImage } from './preprocess.ts';
import { SeededRandom } from '../common/random.ts';
import type { FineTuneConfig } from '../../shared/run-config.ts';

/**
 * Stage 2: the backbone and the head trained end to end on images, with
 * augmentation like Keras' ImageDataGenerator. BatchNorm stays in inference
 * mode by default (the backbone is applied with training=false, so moving
 * statistics neither are used from the batch nor updated — the well-known
 * fine-tuning trap); head dropout masks come from the seeded generator.
 */
export interface FineTuneImage {
  path: string;
  /** Class index. */
  y: number;
}

export interface FineTuneEstimate {
  /** 'probe': from one image's gradients before training starts; 'measured': from the first training batches. */
  basis: 'probe' | 'measured';
  secondsPerBatch: number;
  batchesPerEpoch: number;
  secondsPerEpoch: number;
  totalSeconds: number;
}

export interface FineTuneInput {
  backbone: Backbone;
  head: HeadWeights;
  train: FineTuneImage[];
  val: FineTuneImage[];
  config: FineTuneConfig;
  seed: number;
  /** Called when an epoch's validation loss is the best so far, with the whole classifier to save. */
  onBest?(model: tf.LayersModel, metrics: EpochMetrics): Promise<void>;
  onEpoch?(metrics: EpochMetrics, best: boolean): void;
  onBatch?(info: { epoch: number; batch: number; batches: number; loss: number }): void;
  /** How long the whole stage will take: once before training starts (probe), again from the first batches (measured). */
  onEstimate?(e: FineTuneEstimate): void;
  signal?: AbortSignal;
}

export interface FineTuneResult {
  history: EpochMetrics[];
  bestEpoch: number;
  estimate: FineTuneEstimate | null;
}

export { xceptionBlockOf };

/**
 * The backbone variables to train: all, or those of the built-in network's
 * blocks ≥ trainableFrom (each network numbers its blocks: see
 * backbones/catalog.ts `blocks`). Frozen layers (EfficientNet's input
 * normalization) are never trained.
 */
export function trainableBackboneVariables(backbone: Backbone, trainableFrom: FineTuneConfig['trainableFrom']): tf.Variable[] {
  let blockOf: ((layer: string) => number | null) | null = null;
  if (trainableFrom !== 'all') {
    if (!isBuiltinName(backbone.kind)) {
      throw new StudioError('invalid-argument', `fineTune.trainableFrom ${trainableFrom}: block numbers apply to the built-in backbones only; use "all" for ${backbone.kind} backbones`);
    }
    const net = BUILTIN_BACKBONES[backbone.kind];
    if (trainableFrom < net.blocks.first || trainableFrom > net.blocks.last) {
      throw new StudioError('invalid-argument', `fineTune.trainableFrom ${trainableFrom}: ${net.displayName} has blocks ${net.blocks.first}…${net.blocks.last} (${net.blocks.describe})`);
    }
    blockOf = net.blockOf;
  }
  const vars: tf.Variable[] = [];
  for (const layer of backbone.model.layers) {
    if (blockOf && trainableFrom !== 'all') {
      const block = blockOf(layer.name);
      if (block === null || block < trainableFrom) continue;
    }
    for (const w of layer.trainableWeights) vars.push(w.read() as tf.Variable);
  }
  return vars;
}

async function loadBatch(items: FineTuneImage[], size: number, mode: Backbone['preprocess'], aug: FineTuneConfig['augmentation'], rng: SeededRandom | null): Promise<Float32Array> {
  const per = size * size * 3;
  const out = new Float32Array(items.length * per);
  // Random draws happen in item order after decoding, so the sequence does not depend on decode timing.
  const pixels = await Promise.all(items.map((it) => decodeImage(it.path, size).catch((e: Error) => {
    throw new StudioError('invalid-argument', `cannot read image ${it.path} for fine-tuning: ${e.message}`);
  })));
  pixels.forEach((px, i) => out.set(applyPreprocess(mode, aug && rng ? augmentImage(px, size, aug, rng) : px), i * per));
  return out;
}

export async function fineTune(input: FineTuneInput): Promise<FineTuneResult> {
  installConvGradients();
  const { backbone, config } = input;
  if (input.train.length === 0) throw new StudioError('invalid-argument', 'fine-tuning needs training images');
  const C = input.head.numClasses;
  const size = backbone.inputSize;
  const rng = new SeededRandom(input.seed);
  const shuffleRng = rng.fork();
  const augRng = rng.fork();
  const dropoutRng = rng.fork();

  const classifier = buildClassifier(backbone, input.head, 'xstudio_finetuned');
  const headDense = classifier.layers.filter((l) => l.name.startsWith('head_') && l.getClassName() === 'Dense');
  const vars = [...trainableBackboneVariables(backbone, config.trainableFrom), ...headDense.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable))];
  const optimizer = makeOptimizer(config.optimizer);
  setLearningRate(optimizer, config.optimizer.lr);
  const training = !config.freezeBatchNorm;
  const rates = input.head.dropout;

  /** Output probabilities; masks (already scaled by 1/(1 − rate)) only while training. */
  const forward = (x: tf.Tensor4D, masks: (tf.Tensor2D | null)[] | null, bnTraining = training): tf.Tensor2D => {
    let h = backbone.model.apply(x, { training: bnTraining }) as tf.Tensor;
    if (h.rank !== 2) h = h.reshape([h.shape[0], -1]);
    headDense.forEach((layer, i) => {
      h = layer.apply(h) as tf.Tensor;
      const m = masks?.[i];
      if (m) h = tf.mul(h, m);
    });
    return h as tf.Tensor2D;
  };

  const evaluate = async (items: FineTuneImage[]): Promise<{ loss: number; accuracy: number }> => {
    let loss = 0;
    let correct = 0;
    for (let s = 0; s < items.length; s += config.batchSize) {
      const chunk = items.slice(s, s + config.batchSize);
      const x = await loadBatch(chunk, size, backbone.preprocess, null, null);
      const [l, c] = tf.tidy(() => {
        const p = forward(tf.tensor4d(x, [chunk.length, size, size, 3]), null);
        const y = tf.tensor1d(chunk.map((i) => i.y), 'int32');
        return [tf.sum(rowLossFromProbs(p, y, C)).dataSync()[0], tf.sum(tf.equal(predictedFromProbs(p, C), y).toInt()).dataSync()[0]];
      });
      loss += l;
      correct += c;
    }
    return { loss: loss / items.length, accuracy: correct / items.length };
  };

  const n = input.train.length;
  const batches = Math.ceil(n / config.batchSize);
  const valBatches = Math.ceil(input.val.length / config.batchSize);
  const makeEstimate = (secondsPerBatch: number, basis: FineTuneEstimate['basis']): FineTuneEstimate => {
    // A validation batch is a forward pass only: about a third of a training step.
    const secondsPerEpoch = batches * secondsPerBatch + (valBatches * secondsPerBatch) / 3;
    return { secondsPerBatch, batchesPerEpoch: batches, secondsPerEpoch, totalSeconds: secondsPerEpoch * config.epochs, basis };
  };
  if (input.onEstimate && config.epochs > 0) {
    // Before any training: time the gradients of one image (nothing is applied) and scale to the run.
    const probe = await loadBatch([input.train[0]], size, backbone.preprocess, null, null);
    const t = performance.now();
    tf.tidy(() => {
      const xb = tf.tensor4d(probe, [1, size, size, 3]);
      const yb = tf.tensor1d([input.train[0].y], 'int32');
      const { value, grads } = tf.variableGrads(() => tf.mean(rowLossFromProbs(forward(xb, null, false), yb, C)) as tf.Scalar, vars);
      value.dataSync();
      tf.dispose(grads);
    });
    const perImage = (performance.now() - t) / 1000;
    input.onEstimate(makeEstimate(perImage * Math.min(config.batchSize, n), 'probe'));
  }

  const history: EpochMetrics[] = [];
  let bestLoss = Infinity;
  let bestEpoch = 0;
  let estimate: FineTuneEstimate | null = null;
  try {
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      const t0 = performance.now();
      const order = shuffleRng.permutation(n);
      const batchItems = (b: number): FineTuneImage[] => Array.from(order.subarray(b * config.batchSize, Math.min(n, (b + 1) * config.batchSize)), (i) => input.train[i]);
      let next = loadBatch(batchItems(0), size, backbone.preprocess, config.augmentation, augRng);
      let lossSum = 0;
      let correct = 0;
      for (let b = 0; b < batches; b++) {
        if (input.signal?.aborted) throw new StudioError('cancelled', 'fine-tuning cancelled');
        const items = batchItems(b);
        const x = await next;
        // Decode the next batch while this one trains (sharp works on libuv's threads).
        if (b + 1 < batches) next = loadBatch(batchItems(b + 1), size, backbone.preprocess, config.augmentation, augRng);
        const m = items.length;
        const masks = rates.map((rate, i) => {
          if (rate <= 0) return null;
          const units = input.head.layers[i].units;
          const data = new Float32Array(m * units);
          const keep = 1 / (1 - rate);
          for (let k = 0; k < data.length; k++) data[k] = dropoutRng.next() < rate ? 0 : keep;
          return tf.tensor2d(data, [m, units]);
        });
        const tb = performance.now();
        const [batchLoss, batchCorrect] = tf.tidy(() => {
          const xb = tf.tensor4d(x, [m, size, size, 3]);
          const yb = tf.tensor1d(items.map((i) => i.y), 'int32');
          let c = 0;
          const cost = optimizer.minimize(() => {
            const p = forward(xb, masks);
            c = tf.sum(tf.equal(predictedFromProbs(p, C), yb).toInt()).dataSync()[0];
            return tf.mean(rowLossFromProbs(p, yb, C)) as tf.Scalar;
          }, true, vars);
          return [cost!.dataSync()[0], c];
        });
        for (const mk of masks) mk?.dispose();
        const batchSeconds = (performance.now() - tb) / 1000;
        lossSum += batchLoss * m;
        correct += batchCorrect;
        // The first batch pays for warm-up (kernels, allocations): estimate from the second.
        if (epoch === 0 && (b === 1 || (batches === 1 && b === 0)) && !estimate) {
          estimate = makeEstimate(batchSeconds, 'measured');
          input.onEstimate?.(estimate);
        }
        input.onBatch?.({ epoch: epoch + 1, batch: b + 1, batches, loss: batchLoss });
      }
      const v = input.val.length ? await evaluate(input.val) : null;
      const metrics = epochMetrics(epoch, lossSum, correct, n, v, config.optimizer.lr, t0);
      history.push(metrics);
      const monitored = v ? v.loss : metrics.loss;
      const improved = monitored < bestLoss;
      if (improved) {
        bestLoss = monitored;
        bestEpoch = epoch + 1;
        await input.onBest?.(classifier, metrics);
      }
      input.onEpoch?.(metrics, improved);
    }
  } finally {
    optimizer.dispose();
    // The head layers belong to the classifier only; the backbone is disposed by its owner.
    for (const l of headDense) l.dispose();
  }
  return { history, bestEpoch, estimate };
}

export interface MeasureInput {
  backbone: Backbone;
  /** A few training images (one batch is enough). */
  images: FineTuneImage[];
  numClasses: number;
  head: HeadWeights;
  config: FineTuneConfig;
  /** Training and validation set sizes of the run, to scale the measurement. */
  trainCount: number;
  valCount: number;
  /** Timed optimizer steps after one warm-up step (default 2). */
  steps?: number;
}

/**
 * Before a run starts: times real training steps (forward, gradients of the
 * chosen variables, optimizer update, batch as configured) on this backend
 * and scales them to the run. The first step pays for kernel set-up and is
 * not counted. Updates land on the backbone given: load one for this only.
 */
export async function measureFineTune(m: MeasureInput): Promise<FineTuneEstimate & { steps: number; batchSize: number }> {
  installConvGradients();
  const { backbone, config } = m;
  if (m.images.length === 0) throw new StudioError('invalid-argument', 'fine-tuning needs training images');
  const size = backbone.inputSize;
  const batchSize = Math.min(config.batchSize, m.trainCount);
  const items = Array.from({ length: batchSize }, (_, i) => m.images[i % m.images.length]);
  const x = await loadBatch(items, size, backbone.preprocess, null, null);
  const classifier = buildClassifier(backbone, m.head, 'xstudio_estimate');
  const headDense = classifier.layers.filter((l) => l.name.startsWith('head_') && l.getClassName() === 'Dense');
  const vars = [...trainableBackboneVariables(backbone, config.trainableFrom), ...headDense.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable))];
  const optimizer = makeOptimizer(config.optimizer);
  const steps = m.steps ?? 2;
  const times: number[] = [];
  try {
    for (let s = 0; s <= steps; s++) {
      const t = performance.now();
      tf.tidy(() => {
        const xb = tf.tensor4d(x, [batchSize, size, size, 3]);
        const yb = tf.tensor1d(items.map((i) => i.y), 'int32');
        const cost = optimizer.minimize(() => {
          let h = backbone.model.apply(xb, { training: !config.freezeBatchNorm }) as tf.Tensor;
          if (h.rank !== 2) h = h.reshape([h.shape[0], -1]);
          for (const layer of headDense) h = layer.apply(h) as tf.Tensor;
          return tf.mean(rowLossFromProbs(h as tf.Tensor2D, yb, m.numClasses)) as tf.Scalar;
        }, true, vars);
        cost!.dataSync();
      });
      if (s > 0) times.push((performance.now() - t) / 1000);
    }
  } finally {
    optimizer.dispose();
    for (const l of headDense) l.dispose();
  }
  const secondsPerBatch = times.reduce((a, b) => a + b, 0) / times.length;
  const batches = Math.ceil(m.trainCount / config.batchSize);
  const secondsPerEpoch = batches * secondsPerBatch + (Math.ceil(m.valCount / config.batchSize) * secondsPerBatch) / 3;
  return { basis: 'measured', secondsPerBatch, batchesPerEpoch: batches, secondsPerEpoch, totalSeconds: secondsPerEpoch * config.epochs, steps, batchSize };
}
