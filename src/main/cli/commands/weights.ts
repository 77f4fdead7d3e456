import type { BuiltinBackboneName, WeightsFetchResult, WeightsImportResult, WeightsStatus } from '../../../shared/api.ts';
import { flag, oneOf, optionalString, UsageError } from '../args.ts';
import { command } from '../command.ts';
import { waitForJob } from '../wait.ts';

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
const BACKBONES: BuiltinBackboneName[] = ['xception', 'mobilenet_v2', 'resnet50', 'efficientnet_b0'];

export const weightsFetchCommand = command<WeightsFetchResult>({
  name: 'weights fetch',
  summary: "Download a built-in backbone's official Keras weights into the studio cache (resumes, checks md5; reuses ~/.keras/models)",
  project: 'none',
  call: 'fetchWeights',
  flags: {
    backbone: { type: 'string', value: 'NAME', description: `Whose weights: ${BACKBONES.join(', ')} (default xception)`, field: 'backbone' },
    top: { type: 'boolean', description: 'The file with the ImageNet classifier on top (default: without top)' },
    url: { type: 'string', value: 'URL', description: 'Download from this address instead (a mirror)', field: 'url' },
    md5: { type: 'string', value: 'SUM', description: 'Expect this md5 instead of the official one', field: 'md5' },
  },
  notes: ['XSTUDIO_WEIGHTS_URL / XSTUDIO_WEIGHTS_MD5 override the address and sum too.'],
  async run(ctx, args) {
    const { jobId } = await ctx.service.fetchWeights({ backbone: oneOf(args, 'backbone', BACKBONES), top: flag(args, 'top') || undefined, url: optionalString(args, 'url'), md5: optionalString(args, 'md5') });
    return waitForJob<WeightsFetchResult>(ctx, jobId);
  },
  format(r) {
    const how = r.source === 'download' ? `downloaded${r.resumedFrom ? ` (resumed at ${mb(r.resumedFrom)})` : ''}` : `already present (${r.source})`;
    return `${r.file}: ${how}, ${mb(r.bytes)}, md5 ${r.md5} ${r.md5Checked ? 'ok' : '(Keras publishes no md5 for this file: its HDF5 structure was checked)'}`;
  },
});

export const weightsImportCommand = command<WeightsImportResult>({
  name: 'weights import',
  summary: 'Copy a Keras weights file of a built-in backbone you already have into the studio cache (md5 checked, loaded once to check it)',
  project: 'none',
  call: 'importWeights',
  positionals: { name: '<file.h5>', description: 'The weights file', field: 'file' },
  flags: { backbone: { type: 'string', value: 'NAME', description: 'The backbone it is for (default: recognised by md5, name or by loading)', field: 'backbone' } },
  async run({ service }, args) {
    if (args.positionals.length !== 1) throw new UsageError(`weights import expects one file, got ${args.positionals.length}`);
    return service.importWeights({ file: args.positionals[0], backbone: oneOf(args, 'backbone', BACKBONES) });
  },
  format: (r) => `${r.imported.file}: ${r.imported.official ? `official ${r.imported.official}` : 'not an official file'}, md5 ${r.imported.md5}${r.imported.warning ? `\nwarning: ${r.imported.warning}` : ''}`,
});

export const weightsListCommand = command<WeightsStatus>({
  name: 'weights list',
  summary: 'List the weights files the studio knows and where they are',
  project: 'none',
  call: 'getWeightsStatus',
  flags: {},
  run: ({ service }) => service.getWeightsStatus({}),
  format: (r) => [`cache: ${r.cacheDir}`, ...r.files.map((w) => `${w.present ? '✓' : '·'} ${w.fileName}  ${w.present ? `${w.path} (${mb(w.bytes ?? 0)})` : `not present — xstudio weights fetch --backbone ${w.backbone}${w.variant === 'top' ? ' --top' : ''}`}`)].join('\n'),
});
