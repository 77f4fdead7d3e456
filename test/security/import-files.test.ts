/**
 * Issue 9, import: memory stays bounded whatever the files (sparse files of
 * 1 GB and 2.2 GiB, measured as peak RSS growth of the importing process),
 * and a JPEG whose header lies about its size is caught at import and never
 * gets features.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeRgb } from '../../src/main/ml/preprocess.ts';
import { healthyImages } from '../../src/main/studio/features/image-hashes.ts';
import { importFolder } from '../../src/main/studio/library/import-folder.ts';
import { Project } from '../../src/main/studio/project.ts';
import { imageBuffer } from '../helpers/make-images.ts';
import { tempStudio } from '../helpers/xstudio-cli.ts';

const tmp = tempStudio('xstudio-sec-import-');
afterAll(() => tmp.cleanup());

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])));
  return Buffer.concat([head, data, crc]);
}

/**
 * A valid 8×8 PNG made `bytes` long by private ancillary chunks of zeros that
 * are never written (sparse: the file takes almost no disk space).
 */
function sparsePng(file: string, bytes: number): void {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(8, 0);
  ihdr.writeUInt32BE(8, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const start = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.alloc(8 * 25)))]);
  const end = chunk('IEND', Buffer.alloc(0));
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, start, 0, start.length, 0);
  let at = start.length;
  let left = bytes - start.length - end.length;
  while (left > 12) {
    const len = Math.min(left - 12, 0x7fff0000);
    const head = Buffer.alloc(8);
    head.writeUInt32BE(len, 0);
    head.write('prVt', 4, 'latin1');
    fs.writeSync(fd, head, 0, 8, at);
    at += 8 + len;
    fs.writeSync(fd, Buffer.alloc(4), 0, 4, at); // CRC left wrong: the import never reads it
    at += 4;
    left -= 12 + len;
  }
  fs.writeSync(fd, end, 0, end.length, at);
  fs.closeSync(fd);
}

function runChild(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))));
  });
}

describe('memory stays bounded', () => {
  it('two 1 GB files and a 2.2 GiB file: indexed like any other image, peak RSS grows < 300 MB', async () => {
    const folder = path.join(tmp.dir, 'huge');
    fs.mkdirSync(folder, { recursive: true });
    sparsePng(path.join(folder, 'a.png'), 1024 ** 3);
    sparsePng(path.join(folder, 'b.png'), 1024 ** 3 + 7);
    sparsePng(path.join(folder, 'c.png'), Math.round(2.2 * 1024 ** 3));
    const out = JSON.parse(await runChild('test/security/fixtures/import-rss.ts', [path.join(tmp.dir, 'huge.xstudio'), folder])) as {
      growthMb: number; failed: unknown[]; rows: { rel_path: string; status: string; error: string | null; width: number }[];
    };
    expect(out.failed).toEqual([]);
    expect(out.rows.map((r) => [r.rel_path, r.status, r.width])).toEqual([['a.png', 'ok', 8], ['b.png', 'ok', 8], ['c.png', 'ok', 8]]);
    expect(out.growthMb).toBeLessThan(300);
  }, 180_000);
});

describe('a JPEG whose header lies about its size', () => {
  it('is caught at import, and extract (run before thumbnails) gives it no features', async () => {
    const folder = path.join(tmp.dir, 'liar', 'cat');
    fs.mkdirSync(folder, { recursive: true });
    const jpeg = await imageBuffer({ width: 64, height: 48 });
    fs.writeFileSync(path.join(folder, 'honest.jpg'), jpeg);
    const lying = Buffer.from(jpeg);
    // Patch the frame header (SOF0) to claim 9000 × 9000.
    const sof = lying.indexOf(Buffer.from([0xff, 0xc0]));
    lying.writeUInt16BE(9000, sof + 5);
    lying.writeUInt16BE(9000, sof + 7);
    const liar = path.join(folder, 'liar.jpg');
    fs.writeFileSync(liar, lying);
    const p = new Project(path.join(tmp.dir, 'liar.xstudio'));
    try {
      const r = await importFolder(p, path.dirname(folder));
      expect(r.failed).toEqual([{ path: 'cat/liar.jpg', reason: expect.stringMatching(/claims 9000×9000.*bytes of image data/) }]);
      expect(healthyImages(p).map((i) => path.basename(i.path))).toEqual(['honest.jpg']);
    } finally {
      p.close();
    }
  });

  it('sibling: the extract decoder itself refuses the lying JPEG instead of featurising a grey half-decode', async () => {
    const jpeg = await imageBuffer({ width: 64, height: 48 });
    const lying = Buffer.from(jpeg);
    const sof = lying.indexOf(Buffer.from([0xff, 0xc0]));
    lying.writeUInt16BE(9000, sof + 5);
    lying.writeUInt16BE(9000, sof + 7);
    const file = path.join(tmp.dir, 'liar-direct.jpg');
    fs.writeFileSync(file, lying);
    await expect(decodeRgb(file)).rejects.toThrow(/cannot decode image/);
  });
});
