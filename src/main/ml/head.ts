import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../shared/errors.ts';
import { HeadTrainer } from './head-trainer.ts';
import { SeededRandom } from '../common/random.ts';
import { dropoutRates, learningRateAt, type HeadConfig, type OptimizerConfig } from '../../shared/run-config.ts';

/**
 * The classifier head trained on cached bottleneck features.
 *
 * Training is a hand-written loop over tf variables rather than
 * model.fit/trainOnBatch: shuffling, initialisation and dropout masks all come
 * from one SeededRandom, so a seed reproduces a run exactly (tfjs' seeded
 * dropout would draw the same mask on every batch). The step itself
 * (head-trainer.ts) writes the backward pass out by hand, laid out for the
 * WebAssembly backend; the update is tfjs' optimizer. The trained weights become
 * a plain tf.layers model (Dense/Dropout, Keras names) for prediction and export.
 */

export type { DenseWeights, HeadWeights } from '../common/head-weights.ts';
import type { DenseWeights, HeadWeights } from '../common/head-weights.ts';

export interface FeatureSet {
  /** n × dim, row-major. */
  x: Float32Array;
  /** Class index per row, 0..numClasses-1. */
  y: Int32Array;
}

export interface EpochMetrics {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  lr: number;
  ms: number;
}

/** One epoch's figures from its running sums, as the head trainer and fine-tuning both report them. */
export function epochMetrics(
  epoch: number,
  lossSum: number,
  correct: number,
  n: number,
  val: { loss: number; accuracy: number } | null,
  lr: number,
  startedAt: number,
): EpochMetrics {
  return {
    epoch: epoch + 1,
    loss: lossSum / n,
    accuracy: correct / n,
    valLoss: val ? val.loss : null,
    valAccuracy: val ? val.accuracy : null,
    lr,
    ms: performance.now() - startedAt,
  };
}

export interface TrainHeadInput {
  train: FeatureSet;
  val?: FeatureSet;
  dim: number;
  numClasses: number;
  config: HeadConfig;
  seed: number;
  /** Starting weights (e.g. to continue); default: Glorot-uniform from the seed, zero biases. */
  initial?: HeadWeights;
  /** Called after every epoch; `best` is set when this epoch became the kept checkpoint. */
  onEpoch?(metrics: EpochMetrics, best: HeadWeights | undefined): void;
  onBatch?(info: { epoch: number; batch: number; batches: number; loss: number }): void;
  signal?: AbortSignal;
}

export interface TrainHeadResult {
  /** The checkpoint with the best validation loss (training loss when there is no validation part). */
  best: HeadWeights;
  bestEpoch: number;
  history: EpochMetrics[];
  stoppedEarly: boolean;
}

const OUTPUT_NAME = 'head_predictions';

export function outputActivation(numClasses: number): 'sigmoid' | 'softmax' {
  return numClasses === 2 ? 'sigmoid' : 'softmax';
}

/** Glorot-uniform kernels (Keras' default) and zero biases, from the seed. */
export function initHeadWeights(dim: number, numClasses: number, config: HeadConfig, seed: number): HeadWeights {
  if (numClasses < 2) throw new StudioError('invalid-argument', `a classifier needs at least 2 classes, found ${numClasses}`);
  const rng = new SeededRandom(seed);
  const sizes = [...config.hidden, numClasses === 2 ? 1 : numClasses];
  const layers: DenseWeights[] = [];
  let inputDim = dim;
  sizes.forEach((units, i) => {
    const limit = Math.sqrt(6 / (inputDim + units));
    const kernel = new Float32Array(inputDim * units);
    for (let k = 0; k < kernel.length; k++) kernel[k] = rng.uniform(-limit, limit);
    const last = i === sizes.length - 1;
    layers.push({
      name: last ? OUTPUT_NAME : `head_dense_${i + 1}`,
      inputDim,
      units,
      activation: last ? outputActivation(numClasses) : config.activation,
      kernel,
      bias: new Float32Array(units),
    });
    inputDim = units;
  });
  return { inputDim: dim, numClasses, dropout: dropoutRates(config), layers };
}

function activate(x: tf.Tensor2D, a: DenseWeights['activation']): tf.Tensor2D {
  if (a === 'relu') return tf.relu(x);
  if (a === 'elu') return tf.elu(x);
  if (a === 'tanh') return tf.tanh(x);
  return x;
}

/** Logits of the output layer (no dropout: prediction and evaluation). Bias and relu/elu fused into the matMul. */
function logits(x: tf.Tensor2D, vars: { kernel: tf.Tensor2D; bias: tf.Tensor1D; activation: DenseWeights['activation'] }[]): tf.Tensor2D {
  let h = x;
  vars.forEach((v, i) => {
    const hidden = i < vars.length - 1;
    const fused = hidden && (v.activation === 'relu' || v.activation === 'elu') ? v.activation : 'linear';
    h = tf.fused.matMul({ a: h, b: v.kernel, bias: v.bias, activation: fused }) as tf.Tensor2D;
    if (hidden && fused === 'linear') h = activate(h, v.activation);
  });
  return h;
}

/** Per-row loss from logits: binary cross-entropy on a sigmoid, categorical on a softmax. */
function rowLoss(z: tf.Tensor2D, y: tf.Tensor, numClasses: number): tf.Tensor1D {
  if (numClasses === 2) {
    const zz = z.reshape([-1]);
    const yy = y.toFloat();
    // Stable: max(z,0) − z·y + log(1 + e^−|z|)
    return tf.add(tf.sub(tf.relu(zz), tf.mul(zz, yy)), tf.log1p(tf.exp(tf.neg(tf.abs(zz))))) as tf.Tensor1D;
  }
  const oneHot = tf.oneHot(y.toInt() as tf.Tensor1D, numClasses);
  return tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(z)), 1)) as tf.Tensor1D;
}

function predictedClass(z: tf.Tensor2D, numClasses: number): tf.Tensor1D {
  return numClasses === 2 ? (tf.greater(z.reshape([-1]), 0).toInt() as tf.Tensor1D) : (tf.argMax(z, 1) as tf.Tensor1D);
}

/** Keras' epsilon: probabilities are clipped to [ε, 1 − ε] in cross-entropy on probabilities. */
const EPSILON = 1e-7;

/** Per-row cross-entropy from output probabilities (sigmoid n×1 or softmax n×C), as Keras computes it. */
export function rowLossFromProbs(p: tf.Tensor2D, y: tf.Tensor, numClasses: number): tf.Tensor1D {
  const c = tf.clipByValue(p, EPSILON, 1 - EPSILON);
  if (numClasses === 2) {
    const pp = c.reshape([-1]);
    const yy = y.toFloat();
    return tf.neg(tf.add(tf.mul(yy, tf.log(pp)), tf.mul(tf.sub(1, yy), tf.log(tf.sub(1, pp))))) as tf.Tensor1D;
  }
  return tf.neg(tf.sum(tf.mul(tf.oneHot(y.toInt() as tf.Tensor1D, numClasses), tf.log(c)), 1)) as tf.Tensor1D;
}

/** Predicted class from output probabilities. */
export function predictedFromProbs(p: tf.Tensor2D, numClasses: number): tf.Tensor1D {
  return numClasses === 2 ? (tf.greater(p.reshape([-1]), 0.5).toInt() as tf.Tensor1D) : (tf.argMax(p, 1) as tf.Tensor1D);
}

export function classWeightsFor(y: Int32Array, numClasses: number, spec: HeadConfig['classWeights']): Float32Array | null {
  if (spec === null) return null;
  if (spec === 'balanced') {
    const counts = new Array<number>(numClasses).fill(0);
    for (const c of y) counts[c]++;
    return Float32Array.from(counts, (c) => (c === 0 ? 0 : y.length / (numClasses * c)));
  }
  if (spec.length !== numClasses) throw new StudioError('invalid-argument', `head.classWeights: expected ${numClasses} weights (one per class), got ${spec.length}`);
  return Float32Array.from(spec);
}

export function makeOptimizer(o: OptimizerConfig): tf.Optimizer {
  if (o.kind === 'adam') return tf.train.adam(o.lr, o.beta1, o.beta2, o.epsilon);
  if (o.momentum > 0) return tf.train.momentum(o.lr, o.momentum, o.nesterov);
  return tf.train.sgd(o.lr);
}

export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  // tfjs' Optimizer overrides instanceof (duck typing), so test for the method itself.
  const sgd = opt as unknown as { setLearningRate?: (lr: number) => void };
  if (typeof sgd.setLearningRate === 'function') sgd.setLearningRate(lr); // SGD and Momentum
  else (opt as unknown as { learningRate: number }).learningRate = lr;
}

function checkFeatureSet(name: string, s: FeatureSet, dim: number, numClasses: number): number {
  const n = s.y.length;
  if (s.x.length !== n * dim) throw new StudioError('invalid-argument', `${name} features: expected ${n} × ${dim} values, found ${s.x.length}`);
  for (const c of s.y) if (c < 0 || c >= numClasses) throw new StudioError('invalid-argument', `${name} labels: class index ${c} outside 0..${numClasses - 1}`);
  return n;
}

/** Mean loss and accuracy of weights on a feature set, no dropout. */
export function evaluateHead(weights: HeadWeights, set: FeatureSet): { loss: number; accuracy: number } {
  const n = set.y.length;
  if (n === 0) return { loss: NaN, accuracy: NaN };
  return tf.tidy(() => {
    const vars = weightsToTensors(weights);
    let lossSum = 0;
    let correct = 0;
    for (let s = 0; s < n; s += 2048) {
      const e = Math.min(n, s + 2048);
      const x = tf.tensor2d(set.x.subarray(s * weights.inputDim, e * weights.inputDim), [e - s, weights.inputDim]);
      const y = tf.tensor1d(set.y.subarray(s, e), 'int32');
      const z = logits(x, vars);
      lossSum += tf.sum(rowLoss(z, y, weights.numClasses)).dataSync()[0];
      correct += tf.sum(tf.equal(predictedClass(z, weights.numClasses), y).toInt()).dataSync()[0];
    }
    return { loss: lossSum / n, accuracy: correct / n };
  });
}

function weightsToTensors(w: HeadWeights): { kernel: tf.Tensor2D; bias: tf.Tensor1D; activation: DenseWeights['activation'] }[] {
  return w.layers.map((l) => ({ kernel: tf.tensor2d(l.kernel, [l.inputDim, l.units]), bias: tf.tensor1d(l.bias), activation: l.activation }));
}

/**
 * Class probabilities (n × numClasses, row-major) for n feature rows. For two
 * classes the sigmoid output p is class 1's probability and class 0 gets 1 − p.
 */
export function predictHead(weights: HeadWeights, x: Float32Array, n: number): Float32Array {
  const C = weights.numClasses;
  const out = new Float32Array(n * C);
  tf.tidy(() => {
    const vars = weightsToTensors(weights);
    for (let s = 0; s < n; s += 2048) {
      const e = Math.min(n, s + 2048);
      const xb = tf.tensor2d(x.subarray(s * weights.inputDim, e * weights.inputDim), [e - s, weights.inputDim]);
      const z = logits(xb, vars);
      const p = C === 2 ? tf.sigmoid(z).reshape([-1]).dataSync() : tf.softmax(z).dataSync();
      if (C === 2) {
        for (let i = 0; i < e - s; i++) {
          out[(s + i) * 2] = 1 - p[i];
          out[(s + i) * 2 + 1] = p[i];
        }
      } else out.set(p, s * C);
    }
  });
  return out;
}

/** Trains the head; returns the best-validation-loss checkpoint and per-epoch metrics. */
export function trainHead(input: TrainHeadInput): TrainHeadResult {
  const { dim, numClasses, config, seed } = input;
  const nTrain = checkFeatureSet('training', input.train, dim, numClasses);
  const val = input.val && input.val.y.length > 0 ? input.val : undefined;
  if (val) checkFeatureSet('validation', val, dim, numClasses);
  if (nTrain === 0) throw new StudioError('invalid-argument', 'the training part has no images with features');

  const rng = new SeededRandom(seed);
  const start = input.initial ?? initHeadWeights(dim, numClasses, config, rng.fork().int(2 ** 31));
  const rates = start.dropout;
  const classWeights = classWeightsFor(input.train.y, numClasses, config.classWeights);
  const shuffleRng = rng.fork();
  const dropoutRng = rng.fork();

  const optimizer = makeOptimizer(config.optimizer);
  const trainer = new HeadTrainer(start, optimizer, config.l2);

  const history: EpochMetrics[] = [];
  let best: HeadWeights | undefined;
  let bestLoss = Infinity;
  let bestEpoch = 0;
  let sinceBest = 0;
  let stoppedEarly = false;
  const batches = Math.ceil(nTrain / config.batchSize);

  try {
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      const t0 = performance.now();
      const lr = learningRateAt(config.optimizer.lr, config.schedule, epoch, config.epochs);
      setLearningRate(optimizer, lr);
      const order = shuffleRng.permutation(nTrain);
      let lossSum = 0;
      let correct = 0;
      for (let b = 0; b < batches; b++) {
        if (input.signal?.aborted) throw new StudioError('cancelled', 'training cancelled');
        const idx = order.subarray(b * config.batchSize, Math.min(nTrain, (b + 1) * config.batchSize));
        const m = idx.length;
        const masks = rates.map((rate, i) => {
          if (rate <= 0) return null;
          const units = start.layers[i].units;
          const data = new Float32Array(m * units);
          const keep = 1 / (1 - rate);
          // Drawn row by row, stored unit-major (units × m) as the trainer wants it.
          for (let r = 0; r < m; r++) for (let u = 0; u < units; u++) data[u * m + r] = dropoutRng.next() < rate ? 0 : keep;
          return data;
        });
        // Rows copied in JS: cheaper than a gather kernel on the wasm backend.
        const x = new Float32Array(m * dim);
        for (let r = 0; r < m; r++) x.set(input.train.x.subarray(idx[r] * dim, (idx[r] + 1) * dim), r * dim);
        const y = Int32Array.from(idx, (i) => input.train.y[i]);
        const weights = classWeights ? Float32Array.from(y, (c) => classWeights[c]) : null;
        const s = trainer.step({ x, y, weights, masks });
        lossSum += s.loss * m;
        correct += s.correct;
        input.onBatch?.({ epoch: epoch + 1, batch: b + 1, batches, loss: s.loss });
      }
      const current = trainer.snapshot();
      const v = val ? evaluateHead(current, val) : null;
      const metrics = epochMetrics(epoch, lossSum, correct, nTrain, v, lr, t0);
      history.push(metrics);
      const monitored = v ? v.loss : metrics.loss;
      const minDelta = config.earlyStopping?.minDelta ?? 0;
      const improved = monitored < bestLoss - minDelta || best === undefined;
      if (improved) {
        bestLoss = monitored;
        best = current;
        bestEpoch = epoch + 1;
        sinceBest = 0;
      } else sinceBest++;
      input.onEpoch?.(metrics, improved ? current : undefined);
      if (config.earlyStopping && sinceBest >= config.earlyStopping.patience) {
        stoppedEarly = true;
        break;
      }
    }
  } finally {
    trainer.dispose();
    optimizer.dispose();
  }
  return { best: best!, bestEpoch, history, stoppedEarly };
}

/**
 * The head as a tf.layers model (Dense/Dropout with the head's names), input
 * [null, inputDim]. Used for export and to attach the head to a backbone.
 */
export function headToLayers(weights: HeadWeights): tf.layers.Layer[] {
  const layers: tf.layers.Layer[] = [];
  weights.layers.forEach((l, i) => {
    const dense = tf.layers.dense({ units: l.units, activation: l.activation, name: l.name, inputDim: i === 0 ? l.inputDim : undefined });
    layers.push(dense);
    if (i < weights.layers.length - 1 && weights.dropout[i] > 0) layers.push(tf.layers.dropout({ rate: weights.dropout[i], name: `head_dropout_${i + 1}` }));
  });
  return layers;
}

/** Copies the head's weights into layers built by headToLayers (after they are built). */
export function assignHeadWeights(layers: tf.layers.Layer[], weights: HeadWeights): void {
  for (const l of weights.layers) {
    const layer = layers.find((x) => x.name === l.name);
    if (!layer) throw new StudioError('internal', `head layer ${l.name} not found in the model`);
    layer.setWeights([tf.tensor2d(l.kernel, [l.inputDim, l.units]), tf.tensor1d(l.bias)]);
  }
}

/** The head alone as a Sequential model: features in, probabilities out. */
export function headModel(weights: HeadWeights): tf.Sequential {
  const layers = headToLayers(weights);
  const model = tf.sequential({ name: 'head', layers });
  tf.tidy(() => assignHeadWeights(layers, weights));
  return model;
}
