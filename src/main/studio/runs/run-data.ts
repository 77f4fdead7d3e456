import { fieldError, StudioError } from '../../../shared/errors.ts';
import type { BackboneSpec } from '../../ml/backbone.ts';
import type { PreprocessMode } from '../../ml/preprocess.ts';
import { getBackbone, latestBackbone, listBackbones, loadFeatures, type BackboneRecord } from '../db/feature-store.ts';
import type { Project } from '../project.ts';
import { imageFiles } from '../db/image-store.ts';
import { latestSplit, listSplitRows, membersWithCurrentLabels, splitByName } from '../db/split-store.ts';
import type { Part, RunClass } from '../db/run-store.ts';

/**
 * What a run trains and evaluates on: a split plan's members with their
 * current labels (so fixing a label and retraining uses the fix), the classes
 * in output order, and the cached features of one backbone.
 */
export interface SplitInfo {
  id: number;
  name: string;
  testLocked: boolean;
  testEvaluations: number;
}

export interface RunMember {
  imageId: number;
  part: Part;
  classId: number;
}

export function resolveSplit(project: Project, name?: string): SplitInfo {
  const row = name ? splitByName(project.db, name) : latestSplit(project.db);
  if (!row) {
    if (name) {
      const names = listSplitRows(project.db).sort((a, b) => a.id - b.id).map((r) => r.name);
      throw new StudioError('not-found', `no split plan named "${name}" in ${project.file}; known: ${names.length ? names.join(', ') : 'none'}`);
    }
    throw new StudioError('not-found', `project ${project.file} has no split plan yet; create one first`);
  }
  return { id: row.id, name: row.name, testLocked: row.test_locked === 1, testEvaluations: row.test_evaluations };
}

/** The call's `backbone`: a feature set's key, or a prefix of it / its name; default the latest extraction's. */
export function resolveBackbone(project: Project, which?: string): BackboneRecord {
  if (!which || which === 'latest') {
    const b = latestBackbone(project.db);
    if (!b) throw new StudioError('not-found', `project ${project.file} has no extracted features yet; extract them first`);
    return b;
  }
  const exact = getBackbone(project.db, which);
  if (exact) return exact;
  const all = listBackbones(project.db);
  const matches = all.filter((b) => b.key.startsWith(which) || b.name === which || b.kind === which);
  if (matches.length === 0) throw fieldError('not-found', 'backbone', `no feature set "${which}" in the project; known: ${all.map((b) => b.key).join(', ') || 'none'}`);
  return matches[0]; // listBackbones is newest first
}

/** Live classes in display order, among those that label at least one training image. */
export function splitMembers(project: Project, splitId: number): { classes: RunClass[]; members: RunMember[]; unlabelled: number } {
  const rows = membersWithCurrentLabels(project.db, splitId);
  const trainClasses = new Map<number, { name: string; position: number }>();
  for (const r of rows) if (r.part === 'train' && r.classId !== null && r.name !== null) trainClasses.set(r.classId, { name: r.name, position: r.position! });
  const classes = [...trainClasses.entries()].sort((a, b) => a[1].position - b[1].position || a[0] - b[0]).map(([id, c]) => ({ id, name: c.name }));
  const known = new Set(classes.map((c) => c.id));
  const members: RunMember[] = [];
  let unlabelled = 0;
  for (const r of rows) {
    if (r.classId === null || r.name === null || !known.has(r.classId)) unlabelled++;
    else members.push({ imageId: r.imageId, part: r.part, classId: r.classId });
  }
  return { classes, members, unlabelled };
}

export interface PartFeatures {
  ids: number[];
  x: Float32Array;
  y: Int32Array;
  dim: number;
  missing: number[];
}

/** Features and class indices of the members of one part, in image id order. */
export function partFeatures(project: Project, backboneKey: string, members: RunMember[], classes: RunClass[], part: Part): PartFeatures {
  const index = new Map(classes.map((c, i) => [c.id, i]));
  const ofPart = members.filter((m) => m.part === part);
  const classOf = new Map(ofPart.map((m) => [m.imageId, index.get(m.classId)!]));
  const f = loadFeatures(project.db, backboneKey, ofPart.map((m) => m.imageId));
  return { ids: f.ids, x: f.matrix, y: Int32Array.from(f.ids, (id) => classOf.get(id)!), dim: f.dim, missing: f.missing };
}

/** Paths of images by id (absolute). */
export function imagePaths(project: Project, ids: number[]): Map<number, string> {
  return imageFiles(project.db, ids);
}

/** The spec a worker loads to rebuild a stored backbone (fine-tuning, export). */
export function specFromRecord(b: BackboneRecord): BackboneSpec {
  if (b.kind !== 'layers-model') {
    if (b.randomInit) {
      const seed = Number(/^random-init:(\d+)$/.exec(b.weightsHash)?.[1] ?? 0);
      return { kind: b.kind, randomInit: true, seed, inputSize: b.inputSize };
    }
    if (!b.source) throw new StudioError('not-found', `backbone ${b.key}: the project does not record its weights file`);
    return { kind: b.kind, weightsFile: b.source, inputSize: b.inputSize };
  }
  if (!b.source) throw new StudioError('not-found', `backbone ${b.key}: the project does not record its model.json`);
  return { kind: 'layers-model', modelJson: b.source, featureLayer: b.featureLayer ?? undefined, preprocess: b.preprocess as PreprocessMode };
}
