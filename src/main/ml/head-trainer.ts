import * as tf from '@tensorflow/tfjs';
import type { DenseWeights, HeadWeights } from '../common/head-weights.ts';

/**
 * One SGD step of the head, forward and backward written out by hand.
 *
 * Same model and same update as autodiff through tf.layers-style Dense layers
 * (the optimizer is still tfjs' SGD / Momentum / Adam, fed through
 * applyGradients), arranged for what is fast on the WebAssembly backend:
 *
 * - Kernels are kept transposed (units × inputs) and activations column-wise
 *   (units × batch). XNNPACK multiplies fast only when the right-hand operand
 *   is small or constant: it re-packs (and transposes) the right-hand matrix
 *   on every call, so X·W with a W that changes every step paid ~2 ms per step
 *   just to re-pack the 2048 × 256 kernel. Wᵀ·Xᵀ and dZᵀ·X only re-pack the
 *   batch. transposeA / transposeB fall back to a naive loop on wasm, so they
 *   are only used on tiny matrices.
 * - The gradient with respect to the input features is never computed.
 * - The loss and its gradient at the logits (sigmoid/softmax cross-entropy,
 *   class weights) are computed in JavaScript on the batch's few logits: a
 *   dozen tiny kernels fewer per step, and the batch loss and accuracy come
 *   with them.
 * - Dropout masks come from the caller's seeded generator, laid out units × batch.
 */

export interface TrainerLayer {
  /** units × inputDim: the Keras kernel transposed. */
  kernelT: tf.Variable;
  bias: tf.Variable;
  inputDim: number;
  units: number;
  activation: DenseWeights['activation'];
}

export interface HeadBatch {
  /** m × dim, row-major. */
  x: Float32Array;
  y: ArrayLike<number>;
  /** Per-row loss weight (class weights), or null. */
  weights: Float32Array | null;
  /** Per hidden layer: dropout multipliers (0 or 1/(1−rate)) as units × m (column per row); null when no dropout. */
  masks: (Float32Array | null)[];
}

/** Keras layout (inputDim × units, row-major) ↔ transposed (units × inputDim). */
export function transposeMatrix(src: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  // Blocked so both sides stay in cache for the 2048 × 256 kernel.
  const B = 64;
  for (let r0 = 0; r0 < rows; r0 += B) {
    const r1 = Math.min(rows, r0 + B);
    for (let c0 = 0; c0 < cols; c0 += B) {
      const c1 = Math.min(cols, c0 + B);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[c * rows + r] = src[r * cols + c];
    }
  }
  return out;
}

function activate(zT: tf.Tensor2D, a: DenseWeights['activation']): tf.Tensor2D {
  if (a === 'relu') return tf.relu(zT);
  if (a === 'elu') return tf.elu(zT);
  if (a === 'tanh') return tf.tanh(zT);
  return zT;
}

/** d activation / d input, from the activation's output a. */
function activationSlope(aT: tf.Tensor2D, a: DenseWeights['activation']): tf.Tensor2D | null {
  if (a === 'relu') return tf.step(aT);
  if (a === 'elu') return tf.add(tf.minimum(aT, 0), 1) as tf.Tensor2D; // a > 0: 1; else e^z = a + 1
  if (a === 'tanh') return tf.sub(1, tf.square(aT)) as tf.Tensor2D;
  return null;
}

/**
 * Loss of the batch and its gradient at the logits, in double precision.
 * zT: C' × m logits (C' = 1 for a sigmoid output). Binary cross-entropy on a
 * sigmoid, categorical on a softmax; mean over the batch, or Σ wᵢ·lossᵢ / m.
 */
export function lossAndGradient(zT: ArrayLike<number>, m: number, outputs: number, y: ArrayLike<number>, w: Float32Array | null): { loss: number; correct: number; dzT: Float32Array } {
  const dzT = new Float32Array(outputs * m);
  let loss = 0;
  let correct = 0;
  if (outputs === 1) {
    for (let r = 0; r < m; r++) {
      const z = zT[r];
      const t = y[r];
      const wr = w ? w[r] : 1;
      // Stable: max(z,0) − z·t + log(1 + e^−|z|)
      loss += wr * (Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z))));
      const p = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
      dzT[r] = ((p - t) * wr) / m;
      if ((z > 0 ? 1 : 0) === t) correct++;
    }
  } else {
    for (let r = 0; r < m; r++) {
      let max = -Infinity;
      let arg = 0;
      for (let c = 0; c < outputs; c++) {
        const z = zT[c * m + r];
        if (z > max) {
          max = z;
          arg = c;
        }
      }
      let sum = 0;
      for (let c = 0; c < outputs; c++) sum += Math.exp(zT[c * m + r] - max);
      const lse = max + Math.log(sum);
      const t = y[r];
      const wr = w ? w[r] : 1;
      loss += wr * (lse - zT[t * m + r]);
      for (let c = 0; c < outputs; c++) dzT[c * m + r] = ((Math.exp(zT[c * m + r] - lse) - (c === t ? 1 : 0)) * wr) / m;
      if (arg === t) correct++;
    }
  }
  return { loss: loss / m, correct, dzT };
}

export class HeadTrainer {
  readonly layers: TrainerLayer[];

  constructor(
    private readonly start: HeadWeights,
    private readonly optimizer: tf.Optimizer,
    private readonly l2: number,
  ) {
    this.layers = start.layers.map((l) => ({
      kernelT: tf.tidy(() => tf.variable(tf.tensor2d(transposeMatrix(l.kernel, l.inputDim, l.units), [l.units, l.inputDim]), true)),
      bias: tf.tidy(() => tf.variable(tf.tensor1d(l.bias), true)),
      inputDim: l.inputDim,
      units: l.units,
      activation: l.activation,
    }));
  }

  /** One optimizer step on the batch; returns the batch loss (with the L2 term) and the number of correct predictions. */
  step(batch: HeadBatch): { loss: number; correct: number } {
    const m = batch.y.length;
    const L = this.layers.length;
    const dim = this.start.inputDim;
    const result = { loss: 0, correct: 0 };
    const grads = tf.tidy(() => {
      const x = tf.tensor2d(batch.x, [m, dim]);
      const xT = tf.transpose(x);
      // Forward, column-wise: hT[l] = mask ⊙ act(Wᵀ·hT[l−1] + b).
      const hT: tf.Tensor2D[] = [xT];
      const aT: tf.Tensor2D[] = [];
      const maskT: (tf.Tensor2D | null)[] = [];
      let zT: tf.Tensor2D = xT;
      this.layers.forEach((layer, l) => {
        zT = tf.add(tf.matMul(layer.kernelT, hT[l]), layer.bias.reshape([layer.units, 1]));
        if (l === L - 1) return;
        const a = activate(zT, layer.activation);
        const mk = batch.masks[l];
        const mT = mk ? tf.tensor2d(mk, [layer.units, m]) : null;
        aT.push(a);
        maskT.push(mT);
        hT.push(mT ? tf.mul(a, mT) : a);
      });
      const out = this.layers[L - 1].units;
      const lg = lossAndGradient(zT.dataSync(), m, out, batch.y, batch.weights);
      result.correct = lg.correct;
      result.loss = lg.loss;

      const g: tf.NamedTensorMap = {};
      let gT = tf.tensor2d(lg.dzT, [out, m]);
      for (let l = L - 1; l >= 0; l--) {
        const layer = this.layers[l];
        // dWᵀ = gᵀ·h (rows), db = Σ over the batch.
        const hRows = l === 0 ? x : tf.transpose(hT[l]);
        let dW = tf.matMul(gT, hRows);
        if (this.l2 > 0) dW = tf.add(dW, tf.mul(2 * this.l2, layer.kernelT));
        g[layer.kernelT.name] = dW;
        g[layer.bias.name] = tf.sum(gT, 1);
        if (l === 0) break;
        // dhT[l−1] = W·gT; through the mask and the activation of layer l−1.
        const dh = layer.units <= 16 ? tf.matMul(layer.kernelT, gT, true, false) : tf.matMul(tf.transpose(layer.kernelT), gT);
        const slope = activationSlope(aT[l - 1], this.layers[l - 1].activation);
        const mT = maskT[l - 1];
        const factor = slope && mT ? tf.mul(slope, mT) : (slope ?? mT);
        gT = (factor ? tf.mul(dh, factor) : dh) as tf.Tensor2D;
      }
      if (this.l2 > 0) {
        const sq = tf.addN(this.layers.map((layer) => tf.sum(tf.square(layer.kernelT))));
        result.loss += this.l2 * sq.dataSync()[0];
      }
      return g;
    });
    this.optimizer.applyGradients(grads);
    tf.dispose(grads);
    return result;
  }

  /** The current weights in Keras layout. */
  snapshot(): HeadWeights {
    return {
      ...this.start,
      layers: this.start.layers.map((l, i) => ({
        ...l,
        kernel: transposeMatrix(this.layers[i].kernelT.dataSync(), l.units, l.inputDim),
        bias: (this.layers[i].bias.dataSync() as Float32Array).slice(),
      })),
    };
  }

  dispose(): void {
    for (const l of this.layers) {
      l.kernelT.dispose();
      l.bias.dispose();
    }
  }
}
