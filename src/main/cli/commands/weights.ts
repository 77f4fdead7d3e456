import type { Command } from '../command.ts';
import { optionalString } from '../args.ts';
import { invalidArgument } from '../../../shared/errors.ts';
import { BUILTIN_NAMES, isBuiltinName } from '../../ml/backbones/catalog.ts';
import { fetchWeights, type FetchResult } from '../../studio/weights/fetch-weights.ts';
import { importWeights, type ImportResult } from '../../studio/weights/import-weights.ts';
import { listWeights, weightsDir, type WeightsEntry } from '../../studio/weights/weights-cache.ts';

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

export const weightsFetchCommand: Command = {
  name: 'weights fetch',
  summary: 'Download a built-in backbone\'s official Keras weights into the studio cache (resumes, checks md5; reuses ~/.keras/models)',
  usage: 'xstudio weights fetch [--backbone xception|mobilenet_v2|resnet50|efficientnet_b0] [--top] [--url U] [--md5 SUM] [--json]   (env XSTUDIO_WEIGHTS_URL / XSTUDIO_WEIGHTS_MD5 override the address and sum)',
  options: { backbone: { type: 'string' }, top: { type: 'boolean' }, url: { type: 'string' }, md5: { type: 'string' } },
  async run(args, io) {
    const url = optionalString(args, 'url');
    const md5 = optionalString(args, 'md5');
    if (md5 !== undefined && !/^[0-9a-f]{32}$/i.test(md5)) throw invalidArgument(`--md5 expects 32 hex digits, got "${md5}"`);
    const backbone = optionalString(args, 'backbone') ?? 'xception';
    if (!isBuiltinName(backbone)) throw invalidArgument(`--backbone expects one of ${BUILTIN_NAMES.join(', ')}, got "${backbone}"`);
    let last = -Infinity; // the first report always shows
    return fetchWeights({
      backbone,
      top: args.values.top === true,
      url,
      md5,
      signal: io.signal,
      onProgress: ({ done, total }) => {
        const now = performance.now();
        if (now - last < 1000 && done !== total) return;
        last = now;
        io.progress(`weights fetch: ${mb(done)}${total ? ` / ${mb(total)} (${((100 * done) / total).toFixed(0)}%)` : ''}`);
      },
    });
  },
  format(result) {
    const r = result as FetchResult;
    const how = r.source === 'download' ? `downloaded${r.resumedFrom ? ` (resumed at ${mb(r.resumedFrom)})` : ''}` : `already present (${r.source})`;
    return `${r.file}: ${how}, ${mb(r.bytes)}, md5 ${r.md5} ${r.md5Checked ? 'ok' : '(Keras publishes no md5 for this file: HDF5 checked)'}`;
  },
};

export const weightsImportCommand: Command = {
  name: 'weights import',
  summary: 'Copy a Keras weights file of a built-in backbone you already have into the studio cache (md5 checked)',
  usage: 'xstudio weights import <file.h5> [--backbone NAME (default: recognised by md5, name or by loading)] [--json]',
  options: { backbone: { type: 'string' } },
  positionals: true,
  async run(args) {
    if (args.positionals.length !== 1) throw invalidArgument(`weights import expects one file, got ${args.positionals.length}`);
    const backbone = optionalString(args, 'backbone');
    if (backbone !== undefined && !isBuiltinName(backbone)) throw invalidArgument(`--backbone expects one of ${BUILTIN_NAMES.join(', ')}, got "${backbone}"`);
    return importWeights(args.positionals[0], { backbone });
  },
  format(result) {
    const r = result as ImportResult;
    return `${r.file}: ${r.official ? `official ${r.official}` : 'not an official file'}, md5 ${r.md5}${r.warning ? `\nwarning: ${r.warning}` : ''}`;
  },
};

export const weightsListCommand: Command = {
  name: 'weights list',
  summary: 'List the weights files the studio knows and where they are',
  usage: 'xstudio weights list [--json]',
  options: {},
  async run() {
    return { cacheDir: weightsDir(), weights: await listWeights() };
  },
  format(result) {
    const r = result as { cacheDir: string; weights: WeightsEntry[] };
    return [`cache: ${r.cacheDir}`, ...r.weights.map((w) => `${w.file ? '✓' : '·'} ${w.id.padEnd(22)} ${w.file ? `${w.file} (${w.source}, ${mb(w.bytes!)})` : `not present — xstudio weights fetch --backbone ${w.backbone}${w.id.endsWith('-top') ? ' --top' : ''}`}`)].join('\n');
  },
};
