import type { Command } from '../command.ts';
import { importCommand } from './import.ts';
import { labelCommand, labelsExportCommand } from './label.ts';
import { classesCommand } from './classes.ts';
import { splitCommand, splitsCommand, splitLockCommand, splitDeleteCommand } from './split.ts';
import { statusCommand } from './status.ts';
import { imagesCommand } from './images.ts';
import { thumbnailsCommand } from './thumbnails.ts';
import { backendsCommand } from './backends.ts';

import { extractCommand, featuresCommand } from './extract.ts';
import { serveCommand } from './serve.ts';
import { trainCommand } from './train.ts';
import { runsCommand, runsCompareCommand } from './runs.ts';
import { evalCommand } from './eval.ts';
import { suspectsCommand, suspectsConfirmCommand } from './suspects.ts';
import { exportCommand } from './export.ts';
import { predictCommand } from './predict.ts';
import { removeCommand } from './remove.ts';
import { weightsFetchCommand, weightsImportCommand, weightsListCommand } from './weights.ts';

/**
 * Every `xstudio` command. One file per command (or per group) in this folder;
 * add it here. Names and flags are a contract: keep them stable.
 */
export const commands: Command[] = [importCommand, labelCommand, labelsExportCommand, classesCommand, removeCommand, splitCommand, splitsCommand, splitLockCommand, splitDeleteCommand, statusCommand, imagesCommand, thumbnailsCommand, backendsCommand, featuresCommand, extractCommand, weightsFetchCommand, weightsImportCommand, weightsListCommand, serveCommand, trainCommand, runsCommand, runsCompareCommand, evalCommand, suspectsCommand, suspectsConfirmCommand, exportCommand, predictCommand];
