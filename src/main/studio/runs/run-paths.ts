import path from 'node:path';
import type { Project } from '../project.ts';

/** Where a run keeps its files in the project's side folder (checkpoints, artefacts). */
export function runDir(project: Project, runId: number): string {
  return project.sideDir('runs', String(runId));
}

export function headCheckpointPath(project: Project, runId: number): string {
  return path.join(runDir(project, runId), 'head-best.json');
}
