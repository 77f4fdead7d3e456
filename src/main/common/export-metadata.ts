import { preprocessDescription, type PreprocessMode } from '../../shared/preprocess-modes.ts';

/**
 * metadata.json of an export: everything a consumer needs to feed the model
 * and read its output without the studio.
 */
export interface ExportMetadata {
  format: 'xstudio-export';
  version: 1;
  /** 'classifier' takes images (tfjs, keras); 'head' takes backbone features. */
  model: 'classifier' | 'head';
  classes: string[];
  /** 'sigmoid': one output = probability of classes[1]; 'softmax': one probability per class. */
  output: 'sigmoid' | 'softmax';
  input: ReturnType<typeof preprocessDescription> | { features: number };
  backbone: { id: string | null; name: string | null; kind: string; randomInit: boolean; featureDim: number | null };
  run: { id: number; name: string; split: string; bestEpoch: number | null; fineTuned: boolean; val: { loss: number | null; accuracy: number | null } };
  createdAt: string;
  generator: string;
}

export function classifierMetadata(o: {
  classes: string[];
  preprocess: PreprocessMode;
  inputSize: number;
  backbone: ExportMetadata['backbone'];
  run: ExportMetadata['run'];
}): ExportMetadata {
  return {
    format: 'xstudio-export',
    version: 1,
    model: 'classifier',
    classes: o.classes,
    output: o.classes.length === 2 ? 'sigmoid' : 'softmax',
    input: preprocessDescription(o.preprocess, o.inputSize),
    backbone: o.backbone,
    run: o.run,
    createdAt: new Date().toISOString(),
    generator: 'Xception Studio',
  };
}

/** Where the metadata of an export lives: metadata.json in a tfjs folder, <file>.json beside an HDF5 file. */
export function metadataPathFor(exported: string, kind: 'dir' | 'file'): string {
  return kind === 'dir' ? `${exported}/metadata.json` : `${exported}.json`;
}

/** The metadata_props key of an ONNX export that holds this metadata as JSON. */
export const ONNX_METADATA_KEY = 'xstudio_metadata';
