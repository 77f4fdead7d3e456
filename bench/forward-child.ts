// Child process of extract.bench.ts: forward-only photos/s of one engine, so
// that N processes can be measured side by side (the pipeline's split) rather
// than one process multiplied by N (which a shared machine does not honour).
//   node --import tsx bench/forward-child.ts onnx|wasm xception|<model.json> <size> <threads> <seconds> <batch>
// Prints READY once the network is loaded, waits for a line on stdin, runs,
// prints RATE=<photos/s> CPU_MS=<CPU ms per photo>.
import readline from 'node:readline';
import { useBackend, useBackendForWeights } from '../src/main/ml/backend.ts';
import { loadBackbone } from '../src/main/ml/backbone.ts';
import { onnxEngine } from '../src/main/ml/onnx-engine.ts';

const [engine, model, sizeArg, threadsArg, secondsArg, batchArg] = process.argv.slice(2);
const size = Number(sizeArg);
const batch = Number(batchArg);
if (engine === 'onnx') await useBackendForWeights();
else await useBackend('wasm');
const backbone = model === 'xception'
  ? await loadBackbone({ kind: 'xception', randomInit: true, inputSize: size })
  : await loadBackbone({ kind: 'layers-model', modelJson: model, preprocess: 'tf' });
const predict = engine === 'onnx'
  ? await onnxEngine(backbone, { threads: Number(threadsArg) }).then((e) => (x: Float32Array, n: number) => e.predict(x, n))
  : (x: Float32Array, n: number) => backbone.predict(x, n);
const x = new Float32Array(batch * size * size * 3).map((_, i) => ((i * 7919) % 255) / 127.5 - 1);
await predict(x, batch); // warm-up: kernels, memory plan
console.log('READY');
await new Promise<void>((resolve) => readline.createInterface({ input: process.stdin }).once('line', () => resolve()));
let n = 0;
const t = performance.now();
const cpu0 = process.cpuUsage();
while (performance.now() - t < Number(secondsArg) * 1000) {
  await predict(x, batch);
  n += batch;
}
const cpu = process.cpuUsage(cpu0);
// CPU time per photo (every thread of the process): what a photo's forward pass costs the cores, whatever the machine's load.
console.log(`RATE=${n / ((performance.now() - t) / 1000)} CPU_MS=${(cpu.user + cpu.system) / 1000 / n}`);
process.exit(0);
