import { StudioError } from '../../../shared/errors.ts';
import type { BuiltinName } from '../../../shared/backbone-catalog.ts';
import type { Db } from './project-db.ts';

/**
 * The feature store: tables backbones, features and extractions (migrations 002, 006, 007).
 */

/** A backbone as the project remembers it (table `backbones`). */
export interface BackboneRecord {
  key: string;
  backboneId: string | null;
  kind: BuiltinName | 'layers-model';
  name: string;
  weightsHash: string;
  source: string | null;
  featureLayer: string | null;
  inputSize: number;
  preprocess: string;
  preprocessVersion: number;
  randomInit: boolean;
  featureDim: number | null;
  createdAt: number;
}

interface BackboneRow {
  key: string;
  backbone_id: string | null;
  kind: BuiltinName | 'layers-model';
  name: string;
  weights_hash: string;
  source: string | null;
  feature_layer: string | null;
  input_size: number;
  preprocess: string;
  preprocess_version: number;
  random_init: number;
  feature_dim: number | null;
  created_at: number;
}

function toRecord(r: BackboneRow): BackboneRecord {
  return {
    key: r.key,
    backboneId: r.backbone_id,
    kind: r.kind,
    name: r.name,
    weightsHash: r.weights_hash,
    source: r.source,
    featureLayer: r.feature_layer,
    inputSize: r.input_size,
    preprocess: r.preprocess,
    preprocessVersion: r.preprocess_version,
    randomInit: r.random_init === 1,
    featureDim: r.feature_dim,
    createdAt: r.created_at,
  };
}

/** Adds the backbone if the project does not know it yet; returns the stored record. */
export function ensureBackbone(db: Db, b: Omit<BackboneRecord, 'createdAt' | 'backboneId' | 'featureDim'>): BackboneRecord {
  db
    .prepare(
      `INSERT INTO backbones (key, kind, name, weights_hash, source, feature_layer, input_size, preprocess, preprocess_version, random_init, created_at)
       VALUES (@key, @kind, @name, @weightsHash, @source, @featureLayer, @inputSize, @preprocess, @preprocessVersion, @randomInit, @createdAt)
       ON CONFLICT(key) DO NOTHING`,
    )
    .run({ ...b, randomInit: b.randomInit ? 1 : 0, createdAt: Date.now() });
  return getBackbone(db, b.key)!;
}

/** Records what the network said about itself once it was loaded in a worker. */
export function setBackboneIdentity(db: Db, key: string, backboneId: string, featureDim: number): void {
  const existing = getBackbone(db, key);
  if (existing?.featureDim != null && existing.featureDim !== featureDim) {
    throw new StudioError('conflict', `backbone ${key}: features stored with dimension ${existing.featureDim}, the network now gives ${featureDim}`);
  }
  db.prepare('UPDATE backbones SET backbone_id = ?, feature_dim = ? WHERE key = ?').run(backboneId, featureDim, key);
}

export function getBackbone(db: Db, key: string): BackboneRecord | undefined {
  const row = db.prepare('SELECT * FROM backbones WHERE key = ?').get(key) as BackboneRow | undefined;
  return row && toRecord(row);
}

/** Every backbone of the project with how many features it holds, newest first. */
export function listBackbones(db: Db): (BackboneRecord & { features: number })[] {
  const rows = db
    .prepare('SELECT b.*, (SELECT COUNT(*) FROM features f WHERE f.backbone_key = b.key) AS n FROM backbones b ORDER BY b.created_at DESC, b.rowid DESC')
    .all() as (BackboneRow & { n: number })[];
  return rows.map((r) => ({ ...toRecord(r), features: r.n }));
}

/**
 * The backbone of the latest extraction that stored anything (the default
 * for training), or undefined when the project has no features yet.
 */
export function latestBackbone(db: Db): BackboneRecord | undefined {
  const row = db
    .prepare(
      `SELECT b.* FROM extractions e JOIN backbones b ON b.key = e.backbone_key
       WHERE e.status = 'done' OR EXISTS (SELECT 1 FROM features f WHERE f.backbone_key = e.backbone_key)
       ORDER BY e.started_at DESC, e.id DESC LIMIT 1`,
    )
    .get() as BackboneRow | undefined;
  return row && toRecord(row);
}

/** Content hashes that already have a feature for this backbone. */
export function storedHashes(db: Db, backboneKey: string): Set<string> {
  const rows = db.prepare('SELECT image_hash FROM features WHERE backbone_key = ?').pluck().all(backboneKey) as string[];
  return new Set(rows);
}

/** Stores a batch of features (row i of `vectors` belongs to hashes[i]) in one transaction. */
export function storeFeatures(db: Db, backboneKey: string, hashes: string[], vectors: Float32Array, dim: number): void {
  if (vectors.length !== hashes.length * dim) {
    throw new StudioError('internal', `feature batch for ${backboneKey}: ${hashes.length} images × ${dim} expected ${hashes.length * dim} numbers, got ${vectors.length}`);
  }
  const insert = db.prepare('INSERT OR REPLACE INTO features (backbone_key, image_hash, vector, created_at) VALUES (?, ?, ?, ?)');
  const now = Date.now();
  db.transaction(() => {
    for (let i = 0; i < hashes.length; i++) {
      const row = vectors.subarray(i * dim, (i + 1) * dim);
      insert.run(backboneKey, hashes[i], Buffer.from(row.buffer, row.byteOffset, row.byteLength), now);
    }
  }).immediate();
}

export interface LoadedFeatures {
  /** Image ids that have a feature, in the order asked for. */
  ids: number[];
  /** ids.length × dim, row-major. */
  matrix: Float32Array;
  dim: number;
  /** Image ids asked for that have no feature for this backbone (not extracted, failed, or no hash). */
  missing: number[];
}

/**
 * The features of the given images for one backbone, as one matrix (the
 * shape training wants). Duplicate images share their row content.
 */
export function loadFeatures(db: Db, backboneKey: string, imageIds: readonly number[]): LoadedFeatures {
  const backbone = getBackbone(db, backboneKey);
  if (!backbone) throw new StudioError('not-found', `no feature set "${backboneKey}" in project ${db.name}; extract features first`);
  const get = db.prepare(
    'SELECT f.vector FROM images i JOIN features f ON f.image_hash = i.hash AND f.backbone_key = ? WHERE i.id = ?',
  ).pluck();
  const found: { id: number; vector: Buffer }[] = [];
  const missing: number[] = [];
  for (const id of imageIds) {
    const v = get.get(backboneKey, id) as Buffer | undefined;
    if (v) found.push({ id, vector: v });
    else missing.push(id);
  }
  const dim = backbone.featureDim ?? (found.length ? found[0].vector.byteLength / 4 : 0);
  const matrix = new Float32Array(found.length * dim);
  found.forEach(({ id, vector }, i) => {
    if (vector.byteLength !== dim * 4) throw new StudioError('invalid-argument', `feature of image ${id} for ${backboneKey} has ${vector.byteLength / 4} numbers, expected ${dim}`);
    // Byte copy: a Buffer from SQLite need not be 4-byte aligned.
    new Uint8Array(matrix.buffer, i * dim * 4, dim * 4).set(vector);
  });
  return { ids: found.map((f) => f.id), matrix, dim, missing };
}

/** Counts for status displays: how many healthy images have a feature for this backbone. */
export function featureCoverage(db: Db, backboneKey: string): { images: number; withFeatures: number } {
  const row = db
    .prepare(
      `SELECT COUNT(*) AS images,
              SUM(CASE WHEN EXISTS (SELECT 1 FROM features f WHERE f.backbone_key = ? AND f.image_hash = i.hash) THEN 1 ELSE 0 END) AS withFeatures
       FROM images i WHERE i.status = 'ok'`,
    )
    .get(backboneKey) as { images: number; withFeatures: number | null };
  return { images: row.images, withFeatures: row.withFeatures ?? 0 };
}

// ---- extractions ----

/** Starts the record of an extraction run by this process; returns its id. */
export function startExtraction(db: Db, backboneKey: string, cached: number, startedAt: number): number {
  return Number(db.prepare(`INSERT INTO extractions (backbone_key, status, cached, started_at, owner_pid) VALUES (?, 'running', ?, ?, ?)`)
    .run(backboneKey, cached, startedAt, process.pid).lastInsertRowid);
}

export function finishExtraction(
  db: Db,
  id: number,
  status: string,
  fields: { backend?: string | null; workers?: number; extracted?: number; failed?: number; rate?: number | null; error?: string },
): void {
  db
    .prepare('UPDATE extractions SET status = ?, backend = ?, workers = ?, extracted = ?, failed = ?, images_per_second = ?, error = ?, finished_at = ? WHERE id = ?')
    .run(status, fields.backend ?? null, fields.workers ?? 0, fields.extracted ?? 0, fields.failed ?? 0, fields.rate ?? null, fields.error ?? null, Date.now(), id);
}

export function runningExtractions(db: Db): { id: number; owner_pid: number | null }[] {
  return db.prepare("SELECT id, owner_pid FROM extractions WHERE status = 'running'").all() as { id: number; owner_pid: number | null }[];
}

/** Marks extractions whose process is gone 'interrupted', each with its reason (one transaction). */
export function markExtractionsInterrupted(db: Db, rows: readonly { id: number; reason: string }[]): void {
  if (rows.length === 0) return;
  const mark = db.prepare("UPDATE extractions SET status = 'interrupted', error = ?, finished_at = coalesce(finished_at, ?) WHERE id = ? AND status = 'running'");
  db.transaction(() => {
    for (const r of rows) mark.run(r.reason, Date.now(), r.id);
  }).immediate();
}
