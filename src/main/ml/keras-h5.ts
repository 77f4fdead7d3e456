import * as tf from '@tensorflow/tfjs';
// Imported on first use, not at load: through tsx (the CLI and the workers run
// the sources) the 4 MB emscripten bundle costs ~590 MB of RSS, which every
// worker paid even when it never reads an HDF5 file (random init, layers models, ONNX).
type H5wasm = typeof import('h5wasm/node').default;
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../shared/errors.ts';
import { GENERATED_NAME } from './xception.ts';

/**
 * Keras 2 HDF5 weights, read and written with h5wasm (which uses the real
 * filesystem in Node). Layout, as Keras' save_weights / save writes it:
 *   root (or the `model_weights` group of a full saved model):
 *     attr layer_names = every layer's name, in model order
 *     group <layer>: attr weight_names = ['<layer>/kernel:0', …] (empty for weightless layers)
 *       datasets at <layer>/<layer>/kernel:0, …
 * A full model file also has root attrs keras_version, backend, model_config (JSON).
 */

export interface KerasWeight {
  /** Full Keras weight name, e.g. 'block1_conv1/kernel:0'. */
  name: string;
  shape: number[];
  data: Float32Array;
  /** How it is stored: float32 (default), or int64 like Keras' Normalization `count`. */
  dtype?: 'float32' | 'int64';
}

export interface KerasLayerWeights {
  layerName: string;
  weights: KerasWeight[];
}

export interface KerasWeightsFile {
  file: string;
  /** Every layer listed in layer_names, in file order (weightless ones have weights: []). */
  layers: KerasLayerWeights[];
  kerasVersion?: string;
  backend?: string;
  /** Only in a full saved model. */
  modelConfig?: string;
  /** True when the weights sat in a `model_weights` group (full saved model). */
  fullModel: boolean;
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

let ready: Promise<unknown> | undefined;
let h5wasm: H5wasm;
async function h5(): Promise<H5wasm> {
  ready ??= import('h5wasm/node').then((mod) => {
    h5wasm = mod.default;
    return h5wasm.ready;
  }).then((m) => {
    // The emscripten module (not re-exported by h5wasm/node): it switches HDF5's error handler.
    moduleRef = m as unknown as ErrorHandlerSwitch;
  });
  await ready;
  return h5wasm;
}

function readUInt(buf: Buffer, offset: number, size: number): number {
  if (size === 8) return Number(buf.readBigUInt64LE(offset));
  if (size === 4) return buf.readUInt32LE(offset);
  if (size === 2) return buf.readUInt16LE(offset);
  throw new Error(`unsupported offset size ${size}`);
}

/**
 * Checks the HDF5 signature and that the file is as long as its superblock
 * says, so a truncated download fails with a clear message instead of the
 * HDF5 library's diagnostics.
 */
export function checkHdf5File(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new StudioError(code === 'ENOENT' ? 'not-found' : 'invalid-argument', `weights file ${file}: ${code === 'ENOENT' ? 'not found' : (e as Error).message}`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(96);
    // The superblock may sit at 0, 512, 1024, 2048, … (a user block before it).
    for (let base = 0; base === 0 || base + 8 <= size; base = base === 0 ? 512 : base * 2) {
      const n = fs.readSync(fd, head, 0, head.length, base);
      if (n < 8 || !head.subarray(0, 8).equals(HDF5_SIGNATURE)) {
        if (base === 0 && size < 512) break;
        continue;
      }
      const version = head[8];
      let eofAddress: number;
      let baseAddress: number;
      if (version === 0 || version === 1) {
        const offsetSize = head[13];
        const start = version === 0 ? 24 : 28;
        baseAddress = readUInt(head, start, offsetSize);
        eofAddress = readUInt(head, start + 2 * offsetSize, offsetSize);
      } else {
        const offsetSize = head[9];
        baseAddress = readUInt(head, 12, offsetSize);
        eofAddress = readUInt(head, 12 + 2 * offsetSize, offsetSize);
      }
      const expected = baseAddress + eofAddress;
      if (size < expected) {
        throw new StudioError('invalid-argument', `weights file ${file} is truncated: the HDF5 superblock says ${expected} bytes, the file has ${size} (an interrupted download?)`);
      }
      return;
    }
    throw new StudioError('invalid-argument', `weights file ${file} is not an HDF5 file (no HDF5 signature; ${size} bytes)`);
  } finally {
    fs.closeSync(fd);
  }
}

/** h5py writes string lists as fixed-length byte strings; strip padding, accept any string form. */
function toStringList(v: unknown): string[] {
  if (v == null) return [];
  if (typeof v === 'string') return [v.replace(/[\0 ]+$/, '')];
  if (Array.isArray(v)) return v.flatMap((x) => toStringList(x));
  if (v instanceof Uint8Array) return [Buffer.from(v).toString('utf8').replace(/[\0 ]+$/, '')];
  // h5py writes an empty list as an empty float64 array.
  if (ArrayBuffer.isView(v)) return [];
  return [String(v)];
}

function attrString(g: { attrs: Record<string, { value: unknown }> }, name: string): string | undefined {
  const a = g.attrs[name];
  if (!a) return undefined;
  const v = a.value;
  if (typeof v === 'string') return v.replace(/\0+$/, '');
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8').replace(/\0+$/, '');
  return toStringList(v)[0];
}

/** Keras splits long attributes into name0, name1, … (HDF5's 64 KB header limit). */
function attrList(g: { attrs: Record<string, { value: unknown }> }, name: string): string[] | undefined {
  const attrs = g.attrs;
  if (attrs[name]) return toStringList(attrs[name].value);
  if (!attrs[`${name}0`]) return undefined;
  const out: string[] = [];
  for (let i = 0; attrs[`${name}${i}`]; i++) out.push(...toStringList(attrs[`${name}${i}`].value));
  return out;
}

function toFloat32(v: unknown, where: string): Float32Array {
  if (v instanceof Float32Array) return v;
  // int64 datasets (Keras' Normalization count) come back as bigint.
  if (typeof v === 'bigint') return Float32Array.of(Number(v));
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) return Float32Array.from(v as ArrayLike<bigint>, Number);
  if (v instanceof Float64Array) return Float32Array.from(v);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Float32Array.from(v as unknown as ArrayLike<number>);
  if (typeof v === 'number') return Float32Array.of(v);
  throw new StudioError('invalid-argument', `${where}: expected a float array, found ${typeof v}`);
}

/** Reads every layer's weights from a Keras 2 HDF5 weights or full model file. */
export async function readKerasWeights(file: string): Promise<KerasWeightsFile> {
  checkHdf5File(file);
  const lib = await h5();
  return quietHdf5(lib, file, () => {
    const f = new lib.File(path.resolve(file), 'r');
    try {
      const mw = f.keys().includes('model_weights') ? f.get('model_weights') : null;
      const root = (mw instanceof lib.Group ? mw : f) as InstanceType<typeof lib.Group>;
      const layerNames = attrList(root, 'layer_names');
      if (!layerNames) {
        const keys = root.keys();
        if (keys.includes('layers') && (keys.includes('vars') || keys.includes('optimizer'))) {
          throw new StudioError('invalid-argument', `weights file ${file} is in the Keras 3 ".weights.h5" layout, which is not supported: save it from Keras 2 / tf.keras as HDF5 (model.save_weights("w.h5")) or use the official Keras applications file`);
        }
        throw new StudioError('invalid-argument', `weights file ${file} is HDF5 but not in the Keras layout: no 'layer_names' attribute at ${root === f ? 'the root' : '/model_weights'} (found groups: ${root.keys().slice(0, 8).join(', ') || 'none'})`);
      }
      const layers: KerasLayerWeights[] = [];
      for (const layerName of layerNames) {
        const g = root.get(layerName);
        if (!(g instanceof lib.Group)) throw new StudioError('invalid-argument', `weights file ${file}: layer_names lists ${layerName} but there is no group /${layerName}`);
        const weightNames = attrList(g, 'weight_names') ?? [];
        const weights: KerasWeight[] = weightNames.map((wn) => {
          const ds = g.get(wn);
          if (!(ds instanceof lib.Dataset)) throw new StudioError('invalid-argument', `weights file ${file}: layer ${layerName} lists weight ${wn} but the dataset is missing`);
          return { name: wn, shape: ds.shape ?? [], data: toFloat32(ds.value, `weights file ${file}, ${layerName}/${wn}`) };
        });
        layers.push({ layerName, weights });
      }
      return {
        file,
        layers,
        kerasVersion: attrString(f, 'keras_version') ?? attrString(root, 'keras_version'),
        backend: attrString(f, 'backend') ?? attrString(root, 'backend'),
        modelConfig: attrString(f, 'model_config'),
        fullModel: root !== f,
      };
    } finally {
      f.close();
    }
  });
}

/**
 * Runs h5wasm calls on `file` with HDF5's diagnostic stack (dozens of lines
 * per error, printed to stderr) captured instead of printed; a failure that
 * is not already a StudioError becomes one line naming the file and HDF5's
 * own reason (issue 9: corrupt metadata gave 75 lines and "name not defined").
 */
function quietHdf5<T>(lib: typeof h5wasm, file: string, fn: () => T): T {
  // h5wasm's own handler puts HDF5's error stack into the thrown error instead of printing it.
  const module = hdf5Module(lib);
  module?.activate_throwing_error_handler();
  const captured: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    captured.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    return fn();
  } catch (e) {
    if (e instanceof StudioError) throw e;
    const thrown = e instanceof Error ? e.message : String(e);
    throw new StudioError('invalid-argument', `weights file ${file} is a damaged HDF5 file: ${hdf5Reason(thrown + '\n' + captured.join(''), e)}; download or export it again`);
  } finally {
    process.stderr.write = write;
    module?.deactivate_throwing_error_handler();
  }
}

interface ErrorHandlerSwitch {
  activate_throwing_error_handler(): number;
  deactivate_throwing_error_handler(): number;
}

let moduleRef: ErrorHandlerSwitch | undefined;
function hdf5Module(lib: typeof h5wasm): ErrorHandlerSwitch | undefined {
  return moduleRef ?? (moduleRef = (lib as unknown as { Module?: ErrorHandlerSwitch }).Module);
}

/** The innermost "H5…(): reason" line of HDF5's diagnostic stack, else the thrown text. */
export function hdf5Reason(diagnostics: string, thrown: unknown): string {
  const reasons = [...diagnostics.matchAll(/ in H5\w*\(\): (.+)$/gm)].map((m) => m[1].trim());
  if (reasons.length) return reasons[reasons.length - 1];
  const text = thrown instanceof Error ? thrown.message : String(thrown);
  return text.split('\n')[0].slice(0, 200);
}

/** 'block1_conv1/kernel:0' → 'kernel'; 'model/dense/bias:0' → 'bias'. */
export function shortWeightName(name: string): string {
  const last = name.slice(name.lastIndexOf('/') + 1);
  return last.replace(/:\d+$/, '');
}

/** What sort of layer a set of weights belongs to, for order matching of generated names. */
function kindOfWeights(shorts: string[], kernelRank?: number): string {
  const s = new Set(shorts);
  if (s.has('gamma') || s.has('moving_mean')) return 'BatchNormalization';
  if (s.has('depthwise_kernel') && s.has('pointwise_kernel')) return 'SeparableConv2D';
  if (s.has('depthwise_kernel')) return 'DepthwiseConv2D';
  if (s.has('kernel')) return kernelRank === 2 ? 'Dense' : `Conv${(kernelRank ?? 4) - 2}D`;
  return shorts.slice().sort().join('+');
}

function fileLayerKind(l: KerasLayerWeights): string {
  const kernel = l.weights.find((w) => shortWeightName(w.name) === 'kernel');
  return kindOfWeights(l.weights.map((w) => shortWeightName(w.name)), kernel?.shape.length);
}

function modelLayerKind(layer: tf.layers.Layer): string {
  const kernel = layer.weights.find((w) => shortWeightName(w.originalName) === 'kernel');
  return kindOfWeights(layer.weights.map((w) => shortWeightName(w.originalName)), kernel?.shape.length);
}

const fmt = (shape: readonly (number | null)[]): string => `[${shape.join(',')}]`;

export interface LoadReport {
  file: string;
  layersAssigned: number;
  weightsAssigned: number;
  /** Model layer → file layer, for the layers matched by order (generated names). */
  matchedByOrder: Array<{ modelLayer: string; fileLayer: string }>;
}

/**
 * Assigns every weight of `model` from the file, by layer name; layers whose
 * names Keras generates (conv2d_1, batch_normalization_1, …) are matched by
 * order among layers of the same kind, as Keras' own load_weights does.
 * Everything is checked before anything is assigned: a missing layer, an
 * extra layer or a shape mismatch throws a StudioError naming the layer and
 * both shapes, and leaves the model untouched.
 */
export interface LoadOptions {
  /**
   * Rewrites a file layer into the weights of the model layer of that name,
   * for Keras layers TF.js spells differently (EfficientNet's Normalization).
   * Shapes are still checked afterwards against the model.
   */
  adaptFileLayer?(l: KerasLayerWeights, where: string): KerasLayerWeights;
}

export async function loadKerasWeightsInto(model: tf.LayersModel, file: string | KerasWeightsFile, o: LoadOptions = {}): Promise<LoadReport> {
  const wf = typeof file === 'string' ? await readKerasWeights(file) : file;
  const where = `weights file ${wf.file}`;
  const fileLayers = wf.layers.filter((l) => l.weights.length > 0).map((l) => (o.adaptFileLayer ? o.adaptFileLayer(l, where) : l));
  const modelLayers = model.layers.filter((l) => l.weights.length > 0);
  const fileByName = new Map(fileLayers.map((l) => [l.layerName, l]));
  const pairs: Array<[tf.layers.Layer, KerasLayerWeights]> = [];
  const usedFile = new Set<string>();
  const byOrderModel: tf.layers.Layer[] = [];

  for (const layer of modelLayers) {
    const generated = GENERATED_NAME.test(layer.name);
    const hit = fileByName.get(layer.name);
    if (!generated && hit) {
      pairs.push([layer, hit]);
      usedFile.add(hit.layerName);
    } else if (generated) {
      byOrderModel.push(layer);
    } else {
      const shapes = layer.weights.map((w) => `${shortWeightName(w.originalName)} ${fmt(w.shape)}`).join(', ');
      throw new StudioError('invalid-argument', `${where}: layer ${layer.name} (${layer.getClassName()}: ${shapes}) is missing from the file`);
    }
  }
  const byOrderFile = fileLayers.filter((l) => !usedFile.has(l.layerName) && GENERATED_NAME.test(l.layerName));
  const extra = fileLayers.filter((l) => !usedFile.has(l.layerName) && !GENERATED_NAME.test(l.layerName));
  if (extra.length) {
    const l = extra[0];
    throw new StudioError('invalid-argument', `${where} has layer ${l.layerName} (${l.weights.map((w) => `${shortWeightName(w.name)} ${fmt(w.shape)}`).join(', ')}) that the model does not have${extra.length > 1 ? ` (and ${extra.length - 1} more: ${extra.slice(1, 5).map((e) => e.layerName).join(', ')})` : ''}`);
  }
  // Generated names: pair the i-th model layer of a kind with the i-th file layer of that kind.
  const matchedByOrder: LoadReport['matchedByOrder'] = [];
  const kinds = new Set([...byOrderModel.map(modelLayerKind), ...byOrderFile.map(fileLayerKind)]);
  for (const kind of kinds) {
    const m = byOrderModel.filter((l) => modelLayerKind(l) === kind);
    const fl = byOrderFile.filter((l) => fileLayerKind(l) === kind);
    if (m.length !== fl.length) {
      const side = m.length > fl.length
        ? `model layer ${m[fl.length].name} has no counterpart in the file`
        : `file layer ${fl[m.length].layerName} has no counterpart in the model`;
      throw new StudioError('invalid-argument', `${where}: the model has ${m.length} unnamed ${kind} layer(s) (${m.map((l) => l.name).join(', ')}), the file has ${fl.length} (${fl.map((l) => l.layerName).join(', ')}): ${side}`);
    }
    m.forEach((layer, i) => {
      pairs.push([layer, fl[i]]);
      matchedByOrder.push({ modelLayer: layer.name, fileLayer: fl[i].layerName });
    });
  }

  // Check every weight of every pair before assigning anything.
  const plan: Array<[tf.layers.Layer, KerasWeight[]]> = [];
  for (const [layer, fl] of pairs) {
    const label = layer.name === fl.layerName ? `layer ${layer.name}` : `layer ${layer.name} (file layer ${fl.layerName})`;
    if (isContainer(layer)) {
      // A nested model saved as one layer: its weights go by order, shapes checked, as Keras does.
      if (fl.weights.length !== layer.weights.length) {
        throw new StudioError('invalid-argument', `${where}: ${label} (a nested model) has ${layer.weights.length} weights, the file has ${fl.weights.length}`);
      }
      layer.weights.forEach((w, i) => {
        const fw = fl.weights[i];
        if (fw.shape.length !== w.shape.length || fw.shape.some((d, k) => d !== w.shape[k])) {
          throw new StudioError('invalid-argument', `${where}: ${label}: expected ${w.originalName} ${fmt(w.shape)}, file has ${fw.name} ${fmt(fw.shape)}`);
        }
      });
      plan.push([layer, fl.weights]);
      continue;
    }
    const fileWeights = new Map(fl.weights.map((w) => [shortWeightName(w.name), w]));
    const ordered = layer.weights.map((w) => {
      const short = shortWeightName(w.originalName);
      const fw = fileWeights.get(short);
      if (!fw) throw new StudioError('invalid-argument', `${where}: ${label}: weight ${short} ${fmt(w.shape)} is missing (file has ${[...fileWeights.keys()].join(', ') || 'none'})`);
      if (fw.shape.length !== w.shape.length || fw.shape.some((d, i) => d !== w.shape[i])) {
        throw new StudioError('invalid-argument', `${where}: ${label}: expected ${short} ${fmt(w.shape)}, file has ${fmt(fw.shape)}`);
      }
      fileWeights.delete(short);
      return fw;
    });
    if (fileWeights.size) {
      const [n, w] = [...fileWeights.entries()][0];
      throw new StudioError('invalid-argument', `${where}: ${label}: the file has weight ${n} ${fmt(w.shape)} that the model layer does not have`);
    }
    plan.push([layer, ordered]);
  }

  let weightsAssigned = 0;
  for (const [layer, ws] of plan) {
    const tensors = ws.map((w) => tf.tensor(w.data, w.shape, 'float32'));
    layer.setWeights(tensors);
    tf.dispose(tensors);
    weightsAssigned += ws.length;
  }
  return { file: wf.file, layersAssigned: plan.length, weightsAssigned, matchedByOrder };
}

/** A model used as a layer inside another model (Keras saves it as one layer group). */
function isContainer(layer: tf.layers.Layer): boolean {
  return Array.isArray((layer as unknown as { layers?: unknown }).layers);
}

/**
 * Every layer of a TF.js model with its weights in Keras naming
 * ('<layer>/<weight>:0'), in model order, weightless layers included — the
 * input for writeKerasWeights / writeKerasModel.
 */
export function kerasWeightsOf(model: tf.LayersModel): KerasLayerWeights[] {
  return model.layers.map((layer) => ({
    layerName: layer.name,
    weights: layer.weights.map((w) => {
      const v = w.read();
      // A nested model's weights keep their inner layer names ('block1_conv1/kernel:0'), as in Keras.
      const name = isContainer(layer) ? `${w.originalName}:0` : `${layer.name}/${shortWeightName(w.originalName)}:0`;
      return { name, shape: [...w.shape] as number[], data: v.dataSync() as Float32Array };
    }),
  }));
}

/** Fixed-length ASCII strings, as h5py writes numpy 'S' arrays. */
function writeStringListAttr(g: InstanceType<typeof h5wasm.Group>, name: string, list: string[]): void {
  if (list.length === 0) {
    // h5py stores Keras' empty weight_names as an empty float64 array.
    g.create_attribute(name, new Float64Array(0), [0], '<d'); // h5wasm dtypes are struct codes: '<d' is float64
    return;
  }
  const len = Math.max(1, ...list.map((s) => Buffer.byteLength(s))) + 1;
  g.create_attribute(name, list, [list.length], `A${len}`);
}

function writeStringAttr(g: InstanceType<typeof h5wasm.Group>, name: string, value: string): void {
  g.create_attribute(name, value, null, `A${Buffer.byteLength(value) + 1}`);
}

function writeLayers(g: InstanceType<typeof h5wasm.Group>, layers: KerasLayerWeights[], meta: { kerasVersion: string; backend: string }): void {
  const seen = new Set<string>();
  for (const l of layers) {
    if (seen.has(l.layerName)) throw new StudioError('invalid-argument', `writeKerasWeights: layer name ${l.layerName} appears twice`);
    seen.add(l.layerName);
  }
  writeStringListAttr(g, 'layer_names', layers.map((l) => l.layerName));
  writeStringAttr(g, 'backend', meta.backend);
  writeStringAttr(g, 'keras_version', meta.kerasVersion);
  for (const l of layers) {
    const lg = g.create_group(l.layerName);
    writeStringListAttr(lg, 'weight_names', l.weights.map((w) => w.name));
    for (const w of l.weights) {
      const size = w.shape.reduce((a, b) => a * b, 1);
      if (size !== w.data.length) throw new StudioError('invalid-argument', `writeKerasWeights: ${l.layerName}/${w.name}: shape ${fmt(w.shape)} holds ${size} values, data has ${w.data.length}`);
      // 'block1_conv1/kernel:0' → subgroup block1_conv1, dataset kernel:0.
      const parts = w.name.split('/');
      let parent = lg;
      for (const p of parts.slice(0, -1)) {
        const existing = parent.get(p);
        parent = existing instanceof h5wasm.Group ? existing : parent.create_group(p);
      }
      if (w.dtype === 'int64') {
        parent.create_dataset({ name: parts[parts.length - 1], data: BigInt64Array.from(w.data, (v) => BigInt(Math.round(v))), shape: w.shape, dtype: '<q' });
      } else {
        parent.create_dataset({ name: parts[parts.length - 1], data: w.data, shape: w.shape, dtype: '<f' }); // float32
      }
    }
  }
}

export interface KerasFileMeta {
  kerasVersion?: string;
  backend?: string;
}

// Object headers of HDF5 1.8 let attributes grow past 64 KB (a model_config
// JSON can); 1.10 is the newest format h5py / Keras installations all read.
const LIBVER: ['v108', 'v110'] = ['v108', 'v110'];

/** Writes a Keras 2 weights file (model.save_weights layout). */
export async function writeKerasWeights(file: string, layers: KerasLayerWeights[], meta: KerasFileMeta = {}): Promise<void> {
  const lib = await h5();
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const f = new lib.File(path.resolve(file), 'w', { libver: LIBVER });
  try {
    writeLayers(f, layers, { kerasVersion: meta.kerasVersion ?? '2.2.4', backend: meta.backend ?? 'tensorflow' });
  } finally {
    f.close();
  }
}

/**
 * Writes a full Keras 2 HDF5 model (model.save layout): root attrs
 * keras_version, backend, model_config (JSON) and optionally
 * training_config; weights in the group model_weights.
 */
export async function writeKerasModel(
  file: string,
  model: { modelConfig: object | string; layers: KerasLayerWeights[]; trainingConfig?: object | string },
  meta: KerasFileMeta = {},
): Promise<void> {
  const lib = await h5();
  const kerasVersion = meta.kerasVersion ?? '2.2.4';
  const backend = meta.backend ?? 'tensorflow';
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const f = new lib.File(path.resolve(file), 'w', { libver: LIBVER });
  try {
    writeStringAttr(f, 'keras_version', kerasVersion);
    writeStringAttr(f, 'backend', backend);
    writeStringAttr(f, 'model_config', typeof model.modelConfig === 'string' ? model.modelConfig : JSON.stringify(model.modelConfig));
    if (model.trainingConfig !== undefined) {
      writeStringAttr(f, 'training_config', typeof model.trainingConfig === 'string' ? model.trainingConfig : JSON.stringify(model.trainingConfig));
    }
    writeLayers(f.create_group('model_weights'), model.layers, { kerasVersion, backend });
  } finally {
    f.close();
  }
}
