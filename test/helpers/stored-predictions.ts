import path from 'node:path';
import { Project } from '../../src/main/studio/project.ts';

/** A run's stored validation probabilities, read from the project file: image path → probabilities. */
export function storedValProbabilities(projectFile: string, runId: number): Map<string, number[]> {
  const p = new Project(projectFile);
  try {
    const rows = p.db
      .prepare(
        `SELECT r.path AS root, i.rel_path AS rel, rp.probs FROM run_predictions rp JOIN images i ON i.id = rp.image_id JOIN roots r ON r.id = i.root_id
         WHERE rp.evaluation_id = (SELECT MAX(id) FROM run_evaluations WHERE run_id = ? AND part = 'val') ORDER BY i.id`,
      )
      .all(runId) as { root: string; rel: string; probs: Buffer }[];
    return new Map(rows.map((r) => {
      const f = new Float32Array(r.probs.byteLength / 4);
      new Uint8Array(f.buffer).set(r.probs);
      return [path.join(r.root, r.rel), Array.from(f)];
    }));
  } finally {
    p.close();
  }
}
