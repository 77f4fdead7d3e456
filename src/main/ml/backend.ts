import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { StudioError } from '../../shared/errors.ts';
import { inferenceEngine, type InferenceEngineChoice } from '../common/engine-choice.ts';

/**
 * Run-time choice of the TF.js backend, best first:
 *   gpu  — @tensorflow/tfjs-node-gpu (libtensorflow with CUDA)
 *   node — @tensorflow/tfjs-node (native libtensorflow on the CPU)
 *   wasm — @tensorflow/tfjs-backend-wasm (SIMD when the runtime has it; single-threaded in Node)
 *   cpu  — the pure JavaScript backend of @tensorflow/tfjs
 * The native packages are optional dependencies and usually absent; wasm and
 * cpu always work. XSTUDIO_BACKEND=gpu|node|wasm|cpu forces one and fails
 * with a message saying what is missing.
 * This is the TRAINING engine. Frozen networks run on the inference engine of
 * engine-choice.ts (ONNX Runtime on the CPU unless CUDA is there);
 * XSTUDIO_BACKEND=onnx forces that and leaves this choice to "best available".
 */
export type BackendKind = 'gpu' | 'node' | 'wasm' | 'cpu';
export const BACKEND_KINDS: readonly BackendKind[] = ['gpu', 'node', 'wasm', 'cpu'];

/** What tfjs-node-gpu 4.22 (TensorFlow 2.9) needs, per the tfjs-node README. */
export const GPU_REQUIREMENTS = 'tfjs-node-gpu 4.22 needs an NVIDIA driver >= 450.x, CUDA Toolkit 11.2 (libcudart.so.11.0) and cuDNN 8.1 (libcudnn.so.8)';

export interface BackendInfo {
  /** Studio name of the backend. */
  name: BackendKind;
  /** The name tfjs registers it under ('tensorflow', 'wasm', 'cpu'). */
  tfjsBackend: string;
  /** npm package providing it. */
  package: string;
  /** True when XSTUDIO_BACKEND chose it. */
  forced: boolean;
  /** Why this one: "best available", "forced by XSTUDIO_BACKEND=wasm", … */
  reason: string;
  /** wasm only: whether the SIMD build is in use. */
  simd?: boolean;
}

export interface BackendStatus {
  name: BackendKind;
  package: string;
  available: boolean;
  reason: string;
}

export interface BackendListing {
  chosen: BackendKind;
  forced: boolean;
  reason: string;
  tfjsVersion: string;
  simd: boolean | null;
  backends: BackendStatus[];
  /** Which engine does which work: inference = frozen networks, training = heads and fine-tuning. */
  engines: { inference: string; training: string; inferenceReason: string };
}

const PACKAGES: Record<BackendKind, string> = {
  gpu: '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs',
};

const require = createRequire(import.meta.url);

/** The folder holding the .wasm binaries, as a directory path ending with '/'. */
export function wasmDistDir(): string {
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
}

function isInstalled(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

function nvidiaDriverPresent(): boolean {
  return fs.existsSync('/proc/driver/nvidia/version') || fs.existsSync('/dev/nvidia0') || process.platform === 'win32';
}

/** A probe tells whether a backend could be used, without activating it. */
function probe(kind: BackendKind): BackendStatus {
  const pkg = PACKAGES[kind];
  switch (kind) {
    case 'gpu':
      if (!isInstalled(pkg)) return { name: kind, package: pkg, available: false, reason: `${pkg} is not installed (optional dependency; ${GPU_REQUIREMENTS})` };
      if (!nvidiaDriverPresent()) return { name: kind, package: pkg, available: false, reason: `no NVIDIA driver found (/proc/driver/nvidia/version missing); ${GPU_REQUIREMENTS}` };
      return { name: kind, package: pkg, available: true, reason: `${pkg} installed and an NVIDIA driver is present` };
    case 'node':
      if (!isInstalled(pkg)) return { name: kind, package: pkg, available: false, reason: `${pkg} is not installed (optional dependency; its install downloads libtensorflow)` };
      return { name: kind, package: pkg, available: true, reason: `${pkg} installed` };
    case 'wasm':
      if (!isInstalled(pkg)) return { name: kind, package: pkg, available: false, reason: `${pkg} is not installed` };
      return { name: kind, package: pkg, available: true, reason: `${pkg} installed; .wasm files in ${wasmDistDir()}` };
    case 'cpu':
      return { name: kind, package: pkg, available: true, reason: 'pure JavaScript backend, always present (slowest)' };
  }
}

function forcedKind(env: NodeJS.ProcessEnv): BackendKind | undefined {
  const v = env.XSTUDIO_BACKEND?.trim();
  // 'onnx' forces the inference engine only; TF.js (training) stays "best available".
  if (!v || v === 'onnx') return undefined;
  if (!(BACKEND_KINDS as readonly string[]).includes(v)) {
    throw new StudioError('invalid-argument', `XSTUDIO_BACKEND must be one of ${[...BACKEND_KINDS, 'onnx'].join(', ')}, got "${v}"`);
  }
  return v as BackendKind;
}

/** Activates one backend; throws a StudioError saying what is missing. */
async function activate(kind: BackendKind): Promise<{ tfjsBackend: string; simd?: boolean }> {
  const pkg = PACKAGES[kind];
  // Production mode: no per-op debug checks, and no "install tfjs-node" banner on stderr.
  tf.enableProdMode();
  if (kind === 'gpu' || kind === 'node') {
    const status = probe(kind);
    if (!status.available) throw new StudioError('unavailable', `backend ${kind}: ${status.reason}`);
    try {
      // Importing the package registers the 'tensorflow' backend with the shared tfjs-core.
      await import(/* @vite-ignore */ pkg);
    } catch (e) {
      const hint = kind === 'gpu' ? `; ${GPU_REQUIREMENTS}` : '';
      throw new StudioError('unavailable', `backend ${kind}: ${pkg} failed to load: ${(e as Error).message.split('\n')[0]}${hint}`);
    }
    if (!(await tf.setBackend('tensorflow'))) throw new StudioError('unavailable', `backend ${kind}: ${pkg} loaded but the 'tensorflow' backend did not initialise${kind === 'gpu' ? `; ${GPU_REQUIREMENTS}` : ''}`);
    return { tfjsBackend: 'tensorflow' };
  }
  if (kind === 'wasm') {
    // Imported only when chosen: importing it registers 'wasm' above 'cpu' in
    // tfjs' priority list, and any op run before setBackend would then fail.
    const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
    setWasmPaths(wasmDistDir());
    let ok = false;
    try {
      ok = await tf.setBackend('wasm');
    } catch (e) {
      throw new StudioError('unavailable', `backend wasm: failed to initialise from ${wasmDistDir()}: ${(e as Error).message}`);
    }
    if (!ok) throw new StudioError('unavailable', `backend wasm: failed to initialise from ${wasmDistDir()}`);
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    return { tfjsBackend: 'wasm', simd };
  }
  if (!(await tf.setBackend('cpu'))) throw new StudioError('unavailable', 'backend cpu: the pure JS backend did not initialise');
  return { tfjsBackend: 'cpu' };
}

let selected: BackendInfo | undefined;

/**
 * Chooses and activates the backend for this process (tfjs has one global
 * backend). Later calls return the same choice unless XSTUDIO_BACKEND names another.
 */
export async function selectBackend(env: NodeJS.ProcessEnv = process.env): Promise<BackendInfo> {
  const forced = forcedKind(env);
  if (selected && tf.getBackend() === selected.tfjsBackend && (forced ? selected.forced && selected.name === forced : true)) return selected;
  if (forced) {
    const a = await activate(forced);
    selected = { name: forced, package: PACKAGES[forced], forced: true, reason: `forced by XSTUDIO_BACKEND=${forced}`, ...a };
    return selected;
  }
  const skipped: string[] = [];
  for (const kind of BACKEND_KINDS) {
    const status = probe(kind);
    if (!status.available) {
      skipped.push(`${kind}: ${status.reason}`);
      continue;
    }
    try {
      const a = await activate(kind);
      const reason = skipped.length ? `best available (${skipped.join('; ')})` : 'best available';
      selected = { name: kind, package: PACKAGES[kind], forced: false, reason, ...a };
      return selected;
    } catch (e) {
      skipped.push((e as Error).message);
    }
  }
  throw new StudioError('unavailable', `no TF.js backend could be initialised: ${skipped.join('; ')}`);
}

/**
 * Holds the weights of a network that ONNX Runtime will run in TF.js' plain
 * JavaScript backend: they are read once (for the ONNX writer) and never run
 * through TF.js, and JS arrays go back to the system when freed, where the
 * WebAssembly heap only grows (it added ~400 MB to an extraction worker).
 * `selected` is left alone: the next selectBackend() sees that the active
 * backend is not its choice and activates its choice again (training).
 */
export async function useBackendForWeights(): Promise<void> {
  tf.enableProdMode();
  if (!(await tf.setBackend('cpu'))) throw new StudioError('unavailable', 'backend cpu: the pure JS backend did not initialise');
}

/** Activates a given backend (tests switch between 'cpu' and 'wasm' this way). */
export async function useBackend(kind: BackendKind): Promise<BackendInfo> {
  const a = await activate(kind);
  selected = { name: kind, package: PACKAGES[kind], forced: true, reason: `chosen explicitly (${kind})`, ...a };
  return selected;
}

/** For `xstudio backends --json`: every backend, whether it is usable, and the choice. */
export async function listBackends(env: NodeJS.ProcessEnv = process.env): Promise<BackendListing> {
  const chosen = await selectBackend(env);
  const inference: InferenceEngineChoice = inferenceEngine(env);
  const backends = BACKEND_KINDS.map((k) => {
    const s = probe(k);
    if (k === chosen.name) return { ...s, available: true, reason: `${s.reason}; in use` };
    return s;
  });
  return {
    chosen: chosen.name,
    forced: chosen.forced,
    reason: chosen.reason,
    tfjsVersion: tf.version.tfjs,
    simd: chosen.name === 'wasm' ? Boolean(chosen.simd) : null,
    backends,
    engines: {
      inference: inference.engine === 'onnxruntime' ? 'onnxruntime' : `tfjs-${chosen.name}`,
      training: `tfjs-${chosen.name}`,
      inferenceReason: inference.reason,
    },
  };
}
