// Child process of extract.bench.ts: one forward call of a batch on one
// engine, from a fresh process, then its peak RSS (VmHWM, Linux).
//   node --import tsx bench/peak-memory.ts onnx|wasm <input size> <batch>
import fs from 'node:fs';
import { useBackend, useBackendForWeights } from '../src/main/ml/backend.ts';
import { loadBackbone } from '../src/main/ml/backbone.ts';
import { onnxEngine } from '../src/main/ml/onnx-engine.ts';

const [engine, sizeArg, batchArg] = process.argv.slice(2);
const size = Number(sizeArg);
const n = Number(batchArg);
// As the extraction worker does: weights in TF.js' JS backend when ONNX Runtime runs them.
if (engine === 'onnx') await useBackendForWeights();
else await useBackend('wasm');
const backbone = await loadBackbone({ kind: 'xception', randomInit: true, inputSize: size });
const x = new Float32Array(n * size * size * 3).map((_, i) => ((i * 7919) % 255) / 127.5 - 1);
if (engine === 'onnx') await (await onnxEngine(backbone)).predict(x, n);
else backbone.predict(x, n);
const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
console.log(`VmHWM_MB=${hwm ? Math.round(Number(hwm[1]) / 1024) : 'unknown'}`);
