/**
 * Issue 9, model files: a Keras .h5 with corrupted metadata gives one line
 * naming the file (code invalid-argument, no HDF5 diagnostics on stderr); a
 * model.json whose shard path leaves its folder is refused before any file is
 * read; a model with no layers says so.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { readKerasWeights, writeKerasWeights } from '../../src/main/ml/keras-h5.ts';
import { loadLayersModelFromDisk } from '../../src/main/ml/layers-model-loader.ts';
import { loadExport } from '../../src/main/ml/predict.ts';
import { resolveBackbone } from '../../src/main/studio/features/backbone-choice.ts';
import { StudioError } from '../../src/shared/errors.ts';
import { tempStudio } from '../helpers/xstudio-cli.ts';

const tmp = tempStudio('xstudio-sec-models-');
afterAll(() => tmp.cleanup());

async function caught(p: Promise<unknown>): Promise<StudioError> {
  try {
    await p;
  } catch (e) {
    return e as StudioError;
  }
  throw new Error('expected a rejection');
}

describe('a .h5 with corrupted metadata', () => {
  it('gives one line naming the file and what is wrong, code invalid-argument, nothing on stderr', async () => {
    const file = path.join(tmp.dir, 'damaged.h5');
    await writeKerasWeights(file, [
      { layerName: 'dense', weights: [{ name: 'dense/kernel:0', shape: [2, 2], data: new Float32Array(4) }] },
      { layerName: 'dense_1', weights: [{ name: 'dense_1/bias:0', shape: [2], data: new Float32Array(2) }] },
    ]);
    const buf = fs.readFileSync(file);
    // Scramble the object header that holds a layer's weight_names attribute: its checksum no longer matches.
    const at = buf.indexOf(Buffer.from('weight_names'));
    for (let i = at - 40; i < at + 60; i++) buf[i] = (buf[i] * 7 + 13) & 0xff;
    fs.writeFileSync(file, buf);
    const printed: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (printed.push(String(c)), true));
    let err: StudioError;
    try {
      err = await caught(readKerasWeights(file));
    } finally {
      spy.mockRestore();
    }
    expect(err).toBeInstanceOf(StudioError);
    expect(err.code).toBe('invalid-argument');
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/damaged HDF5 file: .*checksum/);
    expect(err.message.split('\n')).toHaveLength(1);
    expect(printed.join('')).not.toMatch(/HDF5-DIAG|H5C__load_entry/);
  });
});

function writeModel(dir: string, json: unknown): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'model.json');
  fs.writeFileSync(file, JSON.stringify(json));
  return file;
}

const topology = (layers: unknown[]) => ({ class_name: 'Sequential', config: { name: 's', layers } });
const dense = { class_name: 'Dense', config: { name: 'd', units: 1, batch_input_shape: [null, 2], use_bias: false } };

describe('a model.json', () => {
  it('whose shard path leaves its folder is refused before any file is read', async () => {
    const file = writeModel(path.join(tmp.dir, 'escape'), {
      format: 'layers-model', modelTopology: topology([dense]),
      weightsManifest: [{ paths: ['../../../../../../etc/passwd'], weights: [{ name: 'd/kernel', shape: [2, 1], dtype: 'float32' }] }],
    });
    const read = vi.spyOn(fs, 'readFileSync');
    let err: StudioError;
    try {
      err = await caught(loadLayersModelFromDisk(file));
    } finally {
      read.mockRestore();
    }
    expect(err.code).toBe('invalid-argument');
    expect(err.message).toMatch(/shard path "\.\.\/.*etc\/passwd" leaves the model's folder/);
    const readPaths = read.mock.calls.map((c) => String(c[0]));
    expect(readPaths.filter((p) => p.includes('passwd'))).toEqual([]);
  });

  it('sibling: a shard that is a symlink out of the folder is refused too', async () => {
    const dir = path.join(tmp.dir, 'linked');
    const file = writeModel(dir, {
      format: 'layers-model', modelTopology: topology([dense]),
      weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'd/kernel', shape: [2, 1], dtype: 'float32' }] }],
    });
    fs.writeFileSync(path.join(tmp.dir, 'secret.bin'), Buffer.alloc(8));
    fs.symlinkSync(path.join(tmp.dir, 'secret.bin'), path.join(dir, 'w.bin'));
    const err = await caught(loadLayersModelFromDisk(file));
    expect(err.message).toMatch(/is a link to .*secret\.bin, outside the model's folder/);
  });

  it("sibling: the backbone choice (which hashes the shards first) refuses the same path", async () => {
    const file = writeModel(path.join(tmp.dir, 'escape2'), {
      format: 'layers-model', modelTopology: topology([dense]),
      weightsManifest: [{ paths: ['../../../../../../etc/hostname'], weights: [] }],
    });
    const err = await caught(resolveBackbone({ backbone: 'layers-model', modelJson: file, preprocess: 'unit' }));
    expect(err.message).toMatch(/leaves the model's folder/);
  });

  it('with no layers says so', async () => {
    const file = writeModel(path.join(tmp.dir, 'empty'), { format: 'layers-model', modelTopology: topology([]), weightsManifest: [] });
    const err = await caught(loadLayersModelFromDisk(file));
    expect(err.code).toBe('invalid-argument');
    expect(err.message).toMatch(/has no layers/);
    expect(err.message).toContain(file);
  });

  it('sibling: an export whose metadata.json is damaged is named, invalid-argument, not a raw SyntaxError', async () => {
    const dir = path.join(tmp.dir, 'export-damaged');
    writeModel(dir, { format: 'layers-model', modelTopology: topology([dense]), weightsManifest: [] });
    fs.writeFileSync(path.join(dir, 'metadata.json'), '{"format": "xstudio-export", "clas');
    const err = await caught(loadExport(dir));
    expect(err).toBeInstanceOf(StudioError);
    expect(err.code).toBe('invalid-argument');
    expect(err.message).toMatch(/metadata\.json \(export metadata\) is not valid JSON/);
  });
});
