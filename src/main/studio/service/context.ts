import type { AppInfo, CallName, StudioService } from '../../../shared/api.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import type { Project } from '../project.ts';
import type { StudioEventBus } from './event-bus.ts';
import type { JobRegistry } from './job-registry.ts';
import type { SuspectsStore } from '../db/decision-store.ts';

/** What every area of the service (projects, library, splits, ml, runs) shares. */
export interface ServiceContext {
  readonly events: StudioEventBus;
  readonly jobs: JobRegistry;
  readonly transport: AppInfo['transport'];
  readonly version: string;
  readonly dataDir: string;
  readonly defaultProject: string;
  /** The open project; throws a StudioError the user understands when none is open. */
  project(): Project;
  /** The open project or null. */
  projectOrNull(): Project | null;
  /** The studio's long-lived ML worker pool (created on first use). */
  runner(): JobRunner;
  /** The open project's suspected-label list and confirmations. */
  suspects(): SuspectsStore;
  /** Called by an area after it changed what getProjectStatus reports (import, split, class ops). */
  projectChanged(): void;
}

/** One area's share of the calls. */
export type ServiceArea = Partial<StudioService>;

export function checkComplete(service: Partial<StudioService>, names: readonly CallName[]): StudioService {
  const missing = names.filter((n) => typeof service[n] !== 'function');
  if (missing.length) throw new Error(`StudioService is missing calls: ${missing.join(', ')}`);
  return service as StudioService;
}
