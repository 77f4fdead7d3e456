import type { Command } from '../command.ts';

/**
 * Every `xstudio` command. One file per command (or per group) in this folder;
 * add it here. Names and flags are a contract: keep them stable.
 */
export const commands: Command[] = [];
