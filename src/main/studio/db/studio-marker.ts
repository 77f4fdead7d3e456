import fs from 'node:fs';

/**
 * What a project file is, read from its first 100 bytes without SQLite, so a
 * file is judged before anything (not even a -wal or -shm file) is written
 * beside it. SQLite's header keeps `user_version` at offset 60 and
 * `application_id` at 68, both big-endian.
 */
export const STUDIO_APPLICATION_ID = 0x58535455; // 'XSTU'

/** The tables every studio project has had since schema 1: how a project made before the marker is recognised. */
export const STUDIO_TABLES = ['meta', 'roots', 'images', 'classes', 'labels', 'label_history'];

export interface FileHeader {
  size: number;
  sqlite: boolean;
  userVersion: number;
  applicationId: number;
  /** Bytes 18–19 are 2 in WAL mode. */
  wal: boolean;
}

export function readHeader(file: string): FileHeader {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(100);
    const n = fs.readSync(fd, head, 0, 100, 0);
    const sqlite = n === 100 && head.subarray(0, 16).toString('latin1') === 'SQLite format 3\0';
    return {
      size,
      sqlite,
      userVersion: sqlite ? head.readUInt32BE(60) : 0,
      applicationId: sqlite ? head.readUInt32BE(68) : 0,
      wal: sqlite && head[18] === 2 && head[19] === 2,
    };
  } finally {
    fs.closeSync(fd);
  }
}
