import type { Command } from '../command.ts';
import type { BackendListing } from '../../ml/backend.ts';

export const backendsCommand: Command = {
  name: 'backends',
  summary: 'List the ML backends (gpu, node, wasm, cpu), which are available and which one is used',
  usage: 'xstudio backends [--json]   (XSTUDIO_BACKEND=gpu|node|wasm|cpu forces one)',
  options: {},
  async run() {
    // Imported on use, so other commands start without loading TF.js.
    const { listBackends } = await import('../../ml/backend.ts');
    return listBackends();
  },
  format(result) {
    const r = result as BackendListing;
    const lines = r.backends.map((b) => `${b.name === r.chosen ? '*' : ' '} ${b.name.padEnd(5)} ${b.available ? 'available  ' : 'unavailable'}  ${b.reason}`);
    return `${lines.join('\n')}\n\nusing ${r.chosen}${r.simd ? ' (SIMD)' : ''}: ${r.reason}`;
  },
};
