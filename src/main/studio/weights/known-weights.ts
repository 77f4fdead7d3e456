import { BUILTIN_FACTS as BUILTIN_BACKBONES, BUILTIN_NAMES, type BuiltinName } from '../../../shared/backbone-catalog.ts';

/**
 * The official Keras weights files of every built-in backbone, as published
 * with the Keras applications (names, addresses and md5 sums as in
 * keras/applications/*.py; taken from the backbones registry).
 */
export interface KnownWeights {
  /** '<backbone>-notop' | '<backbone>-top', e.g. 'xception-notop', 'resnet50-top'. */
  id: string;
  backbone: BuiltinName;
  fileName: string;
  url: string;
  /** null when Keras publishes no hash for the file (MobileNetV2): then the file is checked by loading it. */
  md5: string | null;
  includeTop: boolean;
  description: string;
}

export const KNOWN_WEIGHTS: readonly KnownWeights[] = BUILTIN_NAMES.flatMap((name) => {
  const b = BUILTIN_BACKBONES[name];
  return (['notop', 'top'] as const).map((variant) => ({
    id: `${name}-${variant}`,
    backbone: name,
    ...b.weights[variant],
    includeTop: variant === 'top',
    description: `${b.displayName}, ImageNet weights, ${variant === 'top' ? 'with the 1000-class top' : 'without the top (feature extraction)'}`,
  }));
});

export function knownWeights(top: boolean, backbone: BuiltinName = 'xception'): KnownWeights {
  return KNOWN_WEIGHTS.find((k) => k.includeTop === top && k.backbone === backbone)!;
}

export function knownByMd5(md5: string): KnownWeights | undefined {
  return KNOWN_WEIGHTS.find((k) => k.md5 !== null && k.md5 === md5.toLowerCase());
}

/** An official file recognised by its name, for the files Keras publishes no md5 for. */
export function knownByFileName(fileName: string): KnownWeights | undefined {
  return KNOWN_WEIGHTS.find((k) => k.md5 === null && k.fileName === fileName);
}
