import { invalidArgument } from '../../../shared/errors.ts';
import { JobRunner } from '../../studio/jobs/job-runner.ts';
import { withProject } from '../../studio/project.ts';
import { EXPORT_FORMATS, exportRun, type ExportFormat, type ExportOutcome } from '../../studio/runs/export-run.ts';
import { optionalInt, projectOption, requireString } from '../args.ts';
import type { Command } from '../command.ts';

export const exportCommand: Command = {
  name: 'export',
  summary: 'Export a run: tfjs (whole classifier), keras (HDF5 model), onnx (one ONNX model), head (the head alone), dataset (CSV [+ ImageFolder tree]), report (HTML); model exports are checked against the studio',
  usage: 'xstudio export --project P --run ID --format tfjs|keras|onnx|head|dataset|report --out PATH [--overwrite] [--copy|--link] [--json]',
  options: { ...projectOption, run: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, overwrite: { type: 'boolean' }, copy: { type: 'boolean' }, link: { type: 'boolean' } },
  async run(args, io) {
    const projectFile = requireString(args, 'project');
    const runId = optionalInt(args, 'run', 1);
    if (runId === undefined) throw invalidArgument('missing --run');
    const format = requireString(args, 'format') as ExportFormat;
    if (!EXPORT_FORMATS.includes(format)) throw invalidArgument(`--format expects one of ${EXPORT_FORMATS.join(', ')}, got "${format}"`);
    const out = requireString(args, 'out');
    if (args.values.copy && args.values.link) throw invalidArgument('--copy and --link exclude each other');
    if ((args.values.copy || args.values.link) && format !== 'dataset') throw invalidArgument('--copy and --link apply to --format dataset only');
    const tree = args.values.copy ? 'copy' : args.values.link ? 'link' : 'none';
    const runner = new JobRunner({ maxWorkers: 1 });
    try {
      return await withProject(projectFile, (project) => {
        io.progress(`exporting run ${runId} as ${format} to ${out}`);
        return exportRun(project, { runId, format, out, tree, overwrite: args.values.overwrite === true, runner, signal: io.signal });
      }, { create: false });
    } finally {
      await runner.close();
    }
  },
  format(result) {
    const r = result as ExportOutcome;
    const check = r.check ? `; checked on ${r.check.images} validation images: same class on ${r.check.agree}, largest probability difference ${r.check.maxAbsDiff.toExponential(1)}` : '';
    return `run ${r.run} exported as ${r.format} to ${r.path} (${r.files.length} file${r.files.length === 1 ? '' : 's'}, ${(r.bytes / 1e6).toFixed(2)} MB)${check}`;
  },
};
