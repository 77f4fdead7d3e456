import fs from 'node:fs';
import { createRequire } from 'node:module';
import { StudioError } from '../../shared/errors.ts';

/**
 * Which engine runs a frozen network (feature extraction, `features`,
 * evaluating and predicting with fine-tuned runs, predict on exports, Try it),
 * decided without loading TF.js or ONNX Runtime, so the core process (which
 * never loads either) can tag the feature cache key with it before any worker
 * starts:
 *   1. tfjs-node-gpu when CUDA is there — the GPU beats any CPU engine;
 *   2. else ONNX Runtime on the CPU (onnxruntime-node, bundled CPU library);
 *   3. else TF.js on its best CPU backend (tfjs-node, WebAssembly, JS).
 * Training (heads, fine-tuning) always runs on TF.js (backend.ts).
 * XSTUDIO_BACKEND forces one: gpu|node|wasm|cpu = that TF.js backend for
 * everything; onnx = ONNX Runtime for inference (TF.js' best for training).
 */
export type InferenceEngineKind = 'onnxruntime' | 'tfjs';

export const ENGINE_VALUES = ['gpu', 'node', 'wasm', 'cpu', 'onnx'] as const;

export interface InferenceEngineChoice {
  engine: InferenceEngineKind;
  forced: boolean;
  reason: string;
}

const require = createRequire(import.meta.url);

function installed(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

function cudaLikely(): boolean {
  // The same probe as backend.ts: the package and an NVIDIA driver.
  const driver = fs.existsSync('/proc/driver/nvidia/version') || fs.existsSync('/dev/nvidia0') || process.platform === 'win32';
  return installed('@tensorflow/tfjs-node-gpu') && driver;
}

export function inferenceEngine(env: NodeJS.ProcessEnv = process.env): InferenceEngineChoice {
  const forced = env.XSTUDIO_BACKEND?.trim();
  if (forced) {
    if (!(ENGINE_VALUES as readonly string[]).includes(forced)) {
      throw new StudioError('invalid-argument', `XSTUDIO_BACKEND must be one of ${ENGINE_VALUES.join(', ')}, got "${forced}"`);
    }
    if (forced === 'onnx') {
      if (!installed('onnxruntime-node')) throw new StudioError('unavailable', 'XSTUDIO_BACKEND=onnx: onnxruntime-node is not installed (it is a dependency of the studio: run npm ci)');
      return { engine: 'onnxruntime', forced: true, reason: 'forced by XSTUDIO_BACKEND=onnx' };
    }
    return { engine: 'tfjs', forced: true, reason: `forced by XSTUDIO_BACKEND=${forced} (TF.js for inference and training)` };
  }
  if (cudaLikely()) return { engine: 'tfjs', forced: false, reason: 'CUDA present: TF.js on the GPU (tfjs-node-gpu)' };
  if (installed('onnxruntime-node')) return { engine: 'onnxruntime', forced: false, reason: 'no CUDA: ONNX Runtime on the CPU (MLAS kernels for the CPU at hand, AVX-512 included)' };
  return { engine: 'tfjs', forced: false, reason: 'onnxruntime-node is not installed: TF.js on the CPU' };
}
