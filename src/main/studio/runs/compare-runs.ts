import { StudioError } from '../../../shared/errors.ts';
import { BUILTIN_FACTS, isBuiltinName } from '../../../shared/backbone-catalog.ts';
import type { Project } from '../project.ts';
import { evaluationPredictions, latestEvaluation, requireRun, type Part, type RunRecord } from '../db/run-store.ts';

export interface ConfigDiff {
  key: string;
  a: unknown;
  b: unknown;
}


export interface RunComparisonResult {
  a: number;
  b: number;
  on: Part;
  configDiff: ConfigDiff[];
  /** Images both runs predicted (same part), that one gets right and the other wrong. */
  onlyA: { imageId: number; label: string; bPredicted: string }[];
  onlyB: { imageId: number; label: string; aPredicted: string }[];
  common: number;
  notes: string[];
}

/** Flattens an object into dotted paths (arrays as whole values). */
function flatten(o: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (o && typeof o === 'object' && !Array.isArray(o)) {
    for (const [k, v] of Object.entries(o)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out[prefix] = o;
  return out;
}

/**
 * Parameters of the whole classifier the run exports: the built-in
 * backbone's (Keras' figure) plus the head's dense layers; null for a
 * backbone the studio did not build (a TF.js model file).
 */
export function modelParams(r: RunRecord): number | null {
  const kind = r.backboneKey.split(':')[0];
  if (!isBuiltinName(kind) || r.featureDim == null) return null;
  const outputs = r.classes.length === 2 ? 1 : r.classes.length;
  let inDim = r.featureDim;
  let head = 0;
  for (const units of [...r.config.head.hidden, outputs]) {
    head += inDim * units + units;
    inDim = units;
  }
  return BUILTIN_FACTS[kind].kerasParamsNoTop + head;
}

function describeRun(r: RunRecord): Record<string, unknown> {
  return { ...flatten(r.config), split: r.splitName, backbone: r.backboneKey, classes: r.classes.map((c) => c.name) };
}

/**
 * Compares two runs: configuration differences (dotted keys, split and
 * backbone included), metric differences (best epoch, validation loss and
 * accuracy, latest evaluation on the part), and the images of that part each
 * run gets right while the other gets it wrong (from their latest stored
 * evaluations on the part).
 */
export function compareRuns(project: Project, aId: number, bId: number, on: Part = 'val'): RunComparisonResult {
  const a = requireRun(project.db, aId);
  const b = requireRun(project.db, bId);
  const fa = describeRun(a);
  const fb = describeRun(b);
  const keys = [...new Set([...Object.keys(fa), ...Object.keys(fb)])].sort();
  const configDiff = keys.filter((k) => JSON.stringify(fa[k]) !== JSON.stringify(fb[k])).map((k) => ({ key: k, a: fa[k] ?? null, b: fb[k] ?? null }));

  const ea = latestEvaluation(project.db, aId, on);
  const eb = latestEvaluation(project.db, bId, on);
  const notes: string[] = [];
  const onlyA: RunComparisonResult['onlyA'] = [];
  const onlyB: RunComparisonResult['onlyB'] = [];
  let common = 0;
  if (!ea || !eb) {
    notes.push(`run ${!ea ? aId : bId} has no evaluation on ${on}: evaluate it on ${on} first to compare the images each run gets right`);
  } else {
    if (JSON.stringify(a.classes.map((c) => c.name)) !== JSON.stringify(b.classes.map((c) => c.name))) {
      throw new StudioError('invalid-argument', `runs ${aId} and ${bId} classify different classes (${a.classes.map((c) => c.name).join(', ')} vs ${b.classes.map((c) => c.name).join(', ')}); their predictions cannot be compared image by image`);
    }
    const pa = new Map(evaluationPredictions(project.db, ea.id).map((p) => [p.imageId, p]));
    for (const pb of evaluationPredictions(project.db, eb.id)) {
      const x = pa.get(pb.imageId);
      if (!x) continue;
      common++;
      if (x.correct && !pb.correct) onlyA.push({ imageId: pb.imageId, label: a.classes[x.trueClass].name, bPredicted: b.classes[pb.predicted].name });
      if (!x.correct && pb.correct) onlyB.push({ imageId: pb.imageId, label: b.classes[pb.trueClass].name, aPredicted: a.classes[x.predicted].name });
    }
    if (a.splitName !== b.splitName) notes.push(`the runs use different split plans (${a.splitName}, ${b.splitName}): only the ${common} images in both ${on} parts are compared`);
  }
  return { a: aId, b: bId, on, configDiff, onlyA, onlyB, common, notes };
}
