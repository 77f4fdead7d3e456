// Independent checks of ONNX files: ONNX Runtime (onnxruntime-node, CPU) and
// the ONNX checker of Debian's python3-onnx. Without python3-onnx the checker
// is skipped, except where XSTUDIO_REQUIRE_E2E=1 (CI): there it is a failure.
import { spawnSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';

export const onnxPython = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0);

/** True when the checker must run; throws when it must but cannot. */
export function requireOnnxChecker(): boolean {
  if (!onnxPython && process.env.XSTUDIO_REQUIRE_E2E) throw new Error('python3-onnx is not installed: the ONNX checker cannot run (apt-get install python3-onnx)');
  return onnxPython !== undefined;
}

/** onnx.checker.check_model(full_check=True) on a file; returns the checker's report (opset, IR version). */
export function onnxChecker(file: string): { ir: number; opset: number; inputs: string[]; outputs: string[]; metadata: Record<string, string> } {
  const script = `
import json, sys, onnx
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
print(json.dumps({"ir": m.ir_version, "opset": [o.version for o in m.opset_import if o.domain in ("", "ai.onnx")][0],
  "inputs": [i.name for i in m.graph.input], "outputs": [o.name for o in m.graph.output],
  "metadata": {p.key: p.value for p in m.metadata_props}}))
`;
  const r = spawnSync(onnxPython!, ['-c', script, file], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`onnx.checker on ${file} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Runs an ONNX model (bytes or file) on NHWC 0–255 pixels; returns the flat output. */
export async function runOnnx(model: Uint8Array | string, pixels: Float32Array, shape: number[]): Promise<Float32Array> {
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model) : await ort.InferenceSession.create(model);
  try {
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', pixels, shape) });
    return out[session.outputNames[0]].data as Float32Array;
  } finally {
    await session.release();
  }
}
