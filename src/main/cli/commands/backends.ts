import type { BackendStatus } from '../../../shared/api.ts';
import { command } from '../command.ts';

export const backendsCommand = command<BackendStatus>({
  name: 'backends',
  summary: 'List the ML backends (gpu, node, wasm, cpu), which are available and which one is used',
  project: 'none',
  call: 'getBackend',
  flags: {},
  notes: ['XSTUDIO_BACKEND=gpu|node|wasm|cpu forces that TF.js backend for everything; XSTUDIO_BACKEND=onnx forces ONNX Runtime for inference.'],
  run: ({ service }) => service.getBackend({}),
  format(r) {
    const lines = r.backends.map((b) => `${b.name === r.chosen ? '*' : ' '} ${b.name.padEnd(5)} ${b.available ? 'available  ' : 'unavailable'}  ${b.reason ?? ''}`);
    return `${lines.join('\n')}\n\ntraining on tfjs-${r.chosen}${r.simd ? ' (SIMD)' : ''}: ${r.reason}\ninference on ${r.engines.inference}: ${r.engines.inferenceReason}`;
  },
});
