import fs from 'node:fs';
import path from 'node:path';
import { openProjectDb, type Db, type OpenOptions } from './db/project-db.ts';
import { markInterruptedJobs } from './jobs/interrupted-jobs.ts';
import { projectSideDir } from './paths.ts';

/**
 * An open project: its SQLite file and its side folder. Services of the core
 * (library, labels, splits, features, runs) take a Project and do their work
 * in transactions on `db`.
 */
export class Project {
  readonly file: string;
  readonly db: Db;

  constructor(file: string, options: OpenOptions = {}) {
    this.file = path.resolve(file);
    this.db = openProjectDb(this.file, options);
    if (!options.readonly) markInterruptedJobs(this);
  }

  /** The side folder beside the project file (thumbnails, checkpoints, artefacts), created on demand. */
  sideDir(...parts: string[]): string {
    const dir = path.join(projectSideDir(this.file), ...parts);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** Opens a project for the duration of `fn` and always closes it. */
export async function withProject<T>(file: string, fn: (project: Project) => Promise<T> | T, options?: OpenOptions): Promise<T> {
  const project = new Project(file, options);
  try {
    return await fn(project);
  } finally {
    project.close();
  }
}
