// `xstudio weights fetch|list` as a user runs them, against a local server
// standing in for the Keras address (the real one is unreachable here).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runXstudio, type CliRun } from '../helpers/xstudio-cli.ts';

let dir: string;
let server: http.Server;
let url: string;
const body = crypto.randomBytes(2_000_000);
const md5 = crypto.createHash('md5').update(body).digest('hex');

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-weights-cli-'));
  server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-length': body.length });
    // Slow enough that the progress line shows up.
    let at = 0;
    const next = (): void => {
      if (at >= body.length) return void res.end();
      res.write(body.subarray(at, at + 400_000));
      at += 400_000;
      setTimeout(next, 300);
    };
    next();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/xception.h5`;
});
afterAll(() => {
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const cli = (args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> => runXstudio(args, { ...process.env, ...env });

it('weights fetch downloads with progress on stderr, and weights list then shows the file', async () => {
  const env = { XSTUDIO_CACHE: path.join(dir, 'cache'), KERAS_HOME: path.join(dir, 'keras'), XSTUDIO_WEIGHTS_URL: url, XSTUDIO_WEIGHTS_MD5: md5 };
  const r = await cli(['weights', 'fetch', '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out).toMatchObject({ source: 'download', md5, bytes: body.length, url });
  expect(r.stderr).toMatch(/Downloading the Xception weights: [\d.]+ MB \/ 2\.0 MB \(\d+%\)/);
  expect(fs.readFileSync(out.file).equals(body)).toBe(true);

  const list = await cli(['weights', 'list', '--json'], env);
  const listed = JSON.parse(list.stdout) as { files: { variant: string; present: boolean; path: string | null; bytes: number | null }[] };
  expect(listed.files.find((w) => w.variant === 'notop')).toMatchObject({ present: true, path: out.file, bytes: body.length });
  expect(listed.files.find((w) => w.variant === 'top')).toMatchObject({ present: false, path: null });

  const wrong = await cli(['weights', 'fetch', '--top', '--md5', '0'.repeat(32), '--json'], env);
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toContain(`has md5 ${md5}, expected ${'0'.repeat(32)}`);
  expect(JSON.parse(wrong.stdout)).toMatchObject({ error: { message: expect.stringContaining(`has md5 ${md5}, expected ${'0'.repeat(32)}`) } });
});
