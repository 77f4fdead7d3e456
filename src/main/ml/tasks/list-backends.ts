import { listBackends, type BackendListing } from '../backend.ts';
import type { TaskHandler } from './task.ts';

/**
 * Lists the ML backends from inside a worker, so the UI server never loads
 * tfjs itself (the WebAssembly backend installs process-wide error handlers
 * that would turn any stray rejection in the server into a crash).
 */
export const listBackendsTask: TaskHandler<Record<string, never>, BackendListing> = async () => listBackends();
