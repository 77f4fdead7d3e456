import type { ExportFormat, ExportResult } from '../../../shared/api.ts';
import { flag, oneOf, projectFlag, requireInt, requireString, UsageError } from '../args.ts';
import { command } from '../command.ts';

const FORMATS: ExportFormat[] = ['tfjs', 'keras', 'onnx', 'head', 'dataset', 'report'];

export const exportCommand = command<ExportResult>({
  name: 'export',
  summary: 'Export a run: tfjs (whole classifier), keras (HDF5 model), onnx (one ONNX model), head (the head alone), dataset (CSV [+ ImageFolder tree]), report (HTML); model exports are checked against the studio',
  project: 'open',
  call: 'exportRun',
  flags: {
    ...projectFlag,
    run: { type: 'string', value: 'ID', description: 'The run', field: 'runId' },
    format: { type: 'string', value: 'FORMAT', description: FORMATS.join(', '), field: 'format' },
    out: { type: 'string', value: 'PATH', description: 'The file or folder to write (written under a temporary name, then renamed)', field: 'out' },
    copy: { type: 'boolean', description: 'With --format dataset: also an ImageFolder tree of copies' },
    link: { type: 'boolean', description: 'With --format dataset: also an ImageFolder tree of links' },
    overwrite: { type: 'boolean', description: 'Replace an existing file or folder at --out (default: refuse)' },
  },
  async run({ service, io }, args) {
    const runId = requireInt(args, 'run', 1);
    const format = oneOf(args, 'format', FORMATS);
    if (!format) throw new UsageError('missing --format');
    const out = requireString(args, 'out');
    if (flag(args, 'copy') && flag(args, 'link')) throw new UsageError('--copy and --link exclude each other');
    if ((flag(args, 'copy') || flag(args, 'link')) && format !== 'dataset') throw new UsageError('--copy and --link apply to --format dataset only');
    io.progress(`exporting run ${runId} as ${format} to ${out}`);
    return service.exportRun({ runId, format, out, mode: flag(args, 'copy') ? 'copy' : flag(args, 'link') ? 'link' : 'none', overwrite: flag(args, 'overwrite') || undefined });
  },
  format(r) {
    const check = r.check ? `; checked on ${r.check.images} validation images with ${r.check.runtime}: same class on ${r.check.agree}, largest probability difference ${r.check.maxAbsDiff.toExponential(1)}` : '';
    return `run ${r.runId} exported as ${r.format} to ${r.path} (${r.files.length} file${r.files.length === 1 ? '' : 's'}, ${(r.bytes / 1e6).toFixed(2)} MB)${check}`;
  },
});
