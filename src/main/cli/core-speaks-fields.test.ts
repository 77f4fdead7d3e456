/**
 * "Errors speak the user's field, not a flag": the core names the contract's
 * field (`inputSize: …`); only the CLI, which knows which flag filled that
 * field, says `--input-size`. This reads every source file outside the CLI
 * and fails on a string that names one of the CLI's own flags.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands } from './commands/index.ts';

const SRC = path.resolve(__dirname, '../..');
// The CLI itself, and the files that start processes with Node's own flags.
const OUTSIDE_THE_CORE = [path.join(SRC, 'main', 'cli'), path.join(SRC, 'main', 'cli.ts')];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (OUTSIDE_THE_CORE.some((o) => p === o)) return [];
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|vue)$/.test(e.name) && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** The text of a file without its comments (a comment may explain which flag does what). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

describe('core messages name fields, not CLI flags', () => {
  const flags = new Set(commands.flatMap((c) => Object.keys(c.flags)).concat(['json', 'help']));

  it('knows the flags it looks for', () => {
    expect(flags.has('input-size')).toBe(true);
    expect(flags.has('backbone-model')).toBe(true);
    expect(flags.size).toBeGreaterThan(40);
  });

  it('no file of the core or the shared contract names one', () => {
    const found: string[] = [];
    for (const file of [...sourceFiles(path.join(SRC, 'main')), ...sourceFiles(path.join(SRC, 'shared'))]) {
      const lines = withoutComments(fs.readFileSync(file, 'utf8')).split('\n');
      lines.forEach((line, i) => {
        for (const m of line.matchAll(/--([a-z][a-z0-9-]*)/g)) {
          if (flags.has(m[1])) found.push(`${path.relative(SRC, file)}:${i + 1}: --${m[1]}`);
        }
      });
    }
    expect(found).toEqual([]);
  });
});
