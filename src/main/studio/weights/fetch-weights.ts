import type { WeightsFetchResult } from '../../../shared/api.ts';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../shared/errors.ts';
import type { BuiltinName } from '../../../shared/backbone-catalog.ts';
import { knownWeights } from './known-weights.ts';
import { fileDigest, findOfficialWeights, weightsDir } from './weights-cache.ts';

export interface FetchOptions {
  /** Which built-in backbone's file (default xception). */
  backbone?: BuiltinName;
  /** The file with the ImageNet top instead of the feature-extraction one. */
  top?: boolean;
  /** Download from here instead of the Keras address (mirrors, tests); env XSTUDIO_WEIGHTS_URL. */
  url?: string;
  /** Expected md5 instead of the official one (with url); env XSTUDIO_WEIGHTS_MD5. */
  md5?: string;
  onProgress?(p: { done: number; total: number | null }): void;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

export type { WeightsFetchResult as FetchResult };

/**
 * Gets a built-in backbone's official Keras weights into the studio cache: nothing to do
 * when the cache (or Keras' ~/.keras/models) already has them; otherwise a
 * download into `<name>.part` that resumes with an HTTP Range request after
 * an interruption, is checked against the md5, and is renamed into place
 * only when complete and correct.
 */
export async function fetchWeights(o: FetchOptions = {}): Promise<WeightsFetchResult> {
  const env = o.env ?? process.env;
  const known = knownWeights(Boolean(o.top), o.backbone ?? 'xception');
  const url = o.url ?? env.XSTUDIO_WEIGHTS_URL ?? known.url;
  const expected = (o.md5 ?? env.XSTUDIO_WEIGHTS_MD5 ?? known.md5)?.toLowerCase() ?? null;
  const md5 = expected ?? '';
  const official = url === known.url && expected === known.md5;

  if (official) {
    const found = await findOfficialWeights(known.includeTop, env, known.backbone);
    if (found) return { file: found.file, md5: await fileDigest(found.file, 'md5'), md5Checked: expected !== null, bytes: fs.statSync(found.file).size, source: found.source, resumedFrom: 0, url };
  }
  const dir = weightsDir(env);
  fs.mkdirSync(dir, { recursive: true });
  const target = path.join(dir, known.fileName);
  if (!official && expected !== null && fs.existsSync(target) && (await fileDigest(target, 'md5')) === md5) {
    return { file: target, md5, md5Checked: true, bytes: fs.statSync(target).size, source: 'studio-cache', resumedFrom: 0, url };
  }
  const part = target + '.part';

  const hash = crypto.createHash('md5');
  let have = 0;
  if (fs.existsSync(part)) {
    // Resume: the md5 must cover the bytes already there too.
    for await (const chunk of fs.createReadStream(part)) hash.update(chunk as Buffer);
    have = fs.statSync(part).size;
  }
  const resumedFrom = have;

  let res: Response;
  try {
    res = await fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, signal: o.signal });
  } catch (e) {
    if (o.signal?.aborted) throw new StudioError('cancelled', `download of ${url} cancelled; ${have} bytes kept in ${part} for the next attempt`);
    throw new StudioError('unavailable', `cannot download ${url}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}. Without network, get the file elsewhere and import it`);
  }

  let restart = false;
  if (have > 0 && res.status === 200) restart = true; // server ignored Range: start over
  else if (res.status === 416) {
    // Nothing left to fetch: the part file is already complete.
    await res.body?.cancel();
  } else if (!(res.status === 200 || res.status === 206)) {
    await res.body?.cancel();
    throw new StudioError('unavailable', `cannot download ${url}: HTTP ${res.status} ${res.statusText}. Without network, get the file elsewhere and import it`);
  }
  if (restart) {
    hash.destroy();
    return fetchFresh();
  }

  const total = totalSize(res, have);
  if (res.status !== 416) await appendBody(res, part, hash, have, total);
  return finish(hash.digest('hex'));

  async function fetchFresh(): Promise<WeightsFetchResult> {
    fs.rmSync(part, { force: true });
    const h = crypto.createHash('md5');
    await appendBody(res, part, h, 0, totalSize(res, 0));
    return finish(h.digest('hex'));
  }

  async function appendBody(r: Response, file: string, h: crypto.Hash, start: number, size: number | null): Promise<void> {
    const out = fs.createWriteStream(file, { flags: 'a' });
    let done = start;
    let lastReport = 0;
    try {
      for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
        h.update(chunk);
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
        done += chunk.length;
        const now = performance.now();
        if (now - lastReport > 250) {
          lastReport = now;
          o.onProgress?.({ done, total: size });
        }
      }
    } catch (e) {
      await new Promise((resolve) => out.end(resolve));
      if (o.signal?.aborted) throw new StudioError('cancelled', `download of ${url} cancelled; ${done} bytes kept in ${file} for the next attempt`);
      throw new StudioError('unavailable', `download of ${url} broke off after ${done} bytes (${(e as Error).message}); run the same command again to resume`);
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    o.onProgress?.({ done, total: size });
  }

  function finish(got: string): WeightsFetchResult {
    if (expected !== null && got !== expected) {
      fs.rmSync(part, { force: true });
      throw new StudioError('invalid-argument', `downloaded ${url} has md5 ${got}, expected ${expected}; the partial file was deleted — run the command again`);
    }
    if (expected === null && !isHdf5(part)) {
      fs.rmSync(part, { force: true });
      throw new StudioError('invalid-argument', `downloaded ${url} is not an HDF5 file (Keras publishes no md5 for it, so its structure is what is checked); the partial file was deleted`);
    }
    fs.renameSync(part, target);
    return { file: target, md5: got, md5Checked: expected !== null, bytes: fs.statSync(target).size, source: 'download', resumedFrom, url };
  }
}

function totalSize(res: Response, have: number): number | null {
  const range = res.headers.get('content-range');
  const m = range && /\/(\d+)$/.exec(range);
  if (m) return Number(m[1]);
  const len = res.headers.get('content-length');
  return len ? Number(len) + (res.status === 206 ? have : 0) : null;
}

/** The HDF5 signature at offset 0 (Keras files have no user block). */
function isHdf5(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(8);
    fs.readSync(fd, head, 0, 8, 0);
    return head.equals(Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]));
  } finally {
    fs.closeSync(fd);
  }
}
