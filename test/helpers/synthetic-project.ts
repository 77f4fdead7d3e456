// Synthetic features for a project of two classes, stored straight into the
// feature store (no network runs): one Gaussian cluster per class, and the
// images chosen by `flip` get the other class's feature, i.e. a label that
// looks wrong to a model.
import { syntheticFeatures } from '../../src/main/ml/synthetic.ts';
import { ensureBackbone, storeFeatures } from '../../src/main/studio/db/feature-store.ts';
import { Project } from '../../src/main/studio/project.ts';

export interface MemberRow {
  id: number;
  hash: string;
  label: string;
  part: string;
}

/** Stores the features of every labelled split member; returns the ids `flip` chose. */
export function storeSyntheticFeatures(
  projectFile: string,
  o: { dim: number; seed: number; separation: number; classes: [string, string]; key: string; flip(rows: MemberRow[]): number[] },
): number[] {
  const p = new Project(projectFile);
  try {
    const rows = p.db
      .prepare(`SELECT i.id, i.hash, c.name AS label, m.part FROM images i JOIN labels l ON l.image_id = i.id JOIN classes c ON c.id = l.class_id
                JOIN split_members m ON m.image_id = i.id ORDER BY i.id`)
      .all() as MemberRow[];
    const flipped = o.flip(rows);
    const pool = syntheticFeatures({ n: rows.length * 2, dim: o.dim, numClasses: 2, seed: o.seed, separation: o.separation });
    const x = new Float32Array(rows.length * o.dim);
    rows.forEach((r, k) => {
      const cls = o.classes.indexOf(r.label) ^ (flipped.includes(r.id) ? 1 : 0);
      const src = 2 * k + cls; // pool rows alternate class 0, 1
      x.set(pool.x.subarray(src * o.dim, (src + 1) * o.dim), k * o.dim);
    });
    const b = ensureBackbone(p.db, {
      key: o.key, kind: 'layers-model', name: 'synthetic features (test)', weightsHash: 'synthetic', source: null, featureLayer: null,
      inputSize: 8, preprocess: 'unit', preprocessVersion: 1, randomInit: false,
    });
    storeFeatures(p.db, b.key, rows.map((r) => r.hash), x, o.dim);
    p.db.prepare("INSERT INTO extractions (backbone_key, status, extracted, started_at, finished_at) VALUES (?, 'done', ?, ?, ?)").run(b.key, rows.length, Date.now(), Date.now());
    return flipped;
  } finally {
    p.close();
  }
}
