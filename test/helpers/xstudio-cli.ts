// Runs the `xstudio` CLI as a user would (node bin/xstudio.mjs … --json) with
// studio folders in a temporary place, and parses its one JSON object.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(repo, 'bin', 'xstudio.mjs');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A temporary folder with XSTUDIO_HOME / XSTUDIO_CACHE inside; `cleanup` removes it. */
export function tempStudio(prefix = 'xstudio-it-'): { dir: string; env: NodeJS.ProcessEnv; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const env = { ...process.env, XSTUDIO_HOME: path.join(dir, 'home'), XSTUDIO_CACHE: path.join(dir, 'cache') };
  return { dir, env, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface RunOptions {
  /** Working folder of the command (default: the repository). */
  cwd?: string;
  /** Called with all of stderr so far at every chunk, and a way to signal the process (to test Ctrl+C or a kill). */
  onStderr?(text: string, kill: (signal: NodeJS.Signals) => void): void;
}

/** Runs any command with piped output; a process ended by a signal reports code -1. */
export function runProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, opts: RunOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      opts.onStderr?.(stderr, (signal) => child.kill(signal));
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Runs `xstudio args…`. */
export function runXstudio(args: string[], env: NodeJS.ProcessEnv = process.env, opts: RunOptions = {}): Promise<CliRun> {
  return runProcess(process.execPath, [bin, ...args], env, opts);
}

/** Runs with --json and returns the parsed object; throws with stderr when the command failed. */
export async function xstudioJson<T = Record<string, unknown>>(args: string[], env?: NodeJS.ProcessEnv): Promise<T> {
  const r = await runXstudio([...args, '--json'], env);
  if (r.code !== 0) throw new Error(`xstudio ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  if (lines.length !== 1) throw new Error(`xstudio ${args.join(' ')} printed ${lines.length} lines on stdout, expected one JSON object`);
  return JSON.parse(lines[0]) as T;
}
