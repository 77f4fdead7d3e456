import type { Migration } from '../migration.ts';
import { foundation } from './001-foundation.ts';
import { features } from './002-features.ts';
import { runs } from './003-runs.ts';
import { speedIndexes } from './004-speed-indexes.ts';
import { userDecisions } from './005-user-decisions.ts';
import { jobOwners } from './006-job-owners.ts';
import { builtinBackbones } from './007-builtin-backbones.ts';
import { imageRemovals } from './008-image-removals.ts';

/** Every schema change, in order. Append only: never edit a migration that has shipped. */
export const migrations: readonly Migration[] = [foundation, features, runs, speedIndexes, userDecisions, jobOwners, builtinBackbones, imageRemovals];
