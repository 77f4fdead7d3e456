import fs from 'node:fs';
import { StudioError } from '../../shared/errors.ts';
import { writeFileAtomicSync } from './atomic-write.ts';
import type { DenseWeights, HeadWeights } from './head-weights.ts';

/**
 * Head weights on disk (checkpoints in runs/<id>/): one JSON file, floats as
 * base64 of little-endian float32 so they round-trip exactly. Written to a
 * temporary name and renamed, so a crash never leaves half a checkpoint.
 */
interface HeadJson {
  format: 'xstudio-head';
  version: 1;
  inputDim: number;
  numClasses: number;
  dropout: number[];
  layers: (Omit<DenseWeights, 'kernel' | 'bias'> & { kernel: string; bias: string })[];
}

const b64 = (a: Float32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
function fromB64(s: string): Float32Array {
  const buf = Buffer.from(s, 'base64');
  const out = new Float32Array(buf.byteLength / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

export function headToJson(w: HeadWeights): string {
  const j: HeadJson = {
    format: 'xstudio-head',
    version: 1,
    inputDim: w.inputDim,
    numClasses: w.numClasses,
    dropout: w.dropout,
    layers: w.layers.map((l) => ({ ...l, kernel: b64(l.kernel), bias: b64(l.bias) })),
  };
  return JSON.stringify(j);
}

export function headFromJson(text: string, source = 'head weights'): HeadWeights {
  let j: HeadJson;
  try {
    j = JSON.parse(text) as HeadJson;
  } catch (e) {
    throw new StudioError('invalid-argument', `${source}: not JSON (${(e as Error).message})`);
  }
  if (j.format !== 'xstudio-head') throw new StudioError('invalid-argument', `${source}: expected format "xstudio-head", found ${JSON.stringify(j.format)}`);
  return {
    inputDim: j.inputDim,
    numClasses: j.numClasses,
    dropout: j.dropout,
    layers: j.layers.map((l) => {
      const kernel = fromB64(l.kernel);
      if (kernel.length !== l.inputDim * l.units) throw new StudioError('invalid-argument', `${source}: layer ${l.name} kernel has ${kernel.length} values, expected ${l.inputDim}×${l.units}`);
      return { ...l, kernel, bias: fromB64(l.bias) };
    }),
  };
}


export function saveHead(file: string, w: HeadWeights): void {
  writeFileAtomicSync(file, headToJson(w));
}

export function loadHead(file: string): HeadWeights {
  if (!fs.existsSync(file)) throw new StudioError('not-found', `head checkpoint ${file} does not exist`);
  return headFromJson(fs.readFileSync(file, 'utf8'), file);
}
