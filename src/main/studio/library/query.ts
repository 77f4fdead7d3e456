import path from 'node:path';
import { invalidArgument, notFound } from '../../../shared/errors.ts';
import type { Project } from '../project.ts';

export type ImageStatus = 'ok' | 'failed' | 'missing';
export type SplitPart = 'train' | 'val' | 'test';

/** What the gallery asks for: filters, a sort, a page. */
export interface ImageQuery {
  /** Images labelled with this class. */
  class?: string;
  /** Only images without a label. */
  unlabelled?: boolean;
  /** Members of this split (optionally of one part). */
  split?: string;
  part?: SplitPart;
  status?: ImageStatus;
  /** Only healthy images whose content also appears elsewhere. */
  duplicates?: boolean;
  /** Substring of the relative path (case-insensitive). */
  search?: string;
  sort?: 'name' | 'id';
  offset?: number;
  limit?: number;
}

export interface ImageRecord {
  id: number;
  root: string;
  /** Path relative to its root, '/' separated. */
  path: string;
  absPath: string;
  size: number;
  mtimeMs: number;
  hash: string | null;
  width: number | null;
  height: number | null;
  format: string | null;
  status: ImageStatus;
  error: string | null;
  class: string | null;
  labelSource: 'import' | 'user' | null;
  /** Part in the split asked for, when a split was given. */
  part?: SplitPart;
  /** How many healthy images (including this one) share its content. */
  copies: number;
}

export interface ImagePage {
  total: number;
  offset: number;
  limit: number;
  images: ImageRecord[];
}

export function listImages(project: Project, q: ImageQuery = {}): ImagePage {
  const db = project.db;
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  let splitJoin = '';
  if (q.part && !q.split) throw invalidArgument('--part needs --split <name>');
  if (q.split) {
    const s = db.prepare('SELECT id FROM splits WHERE name = ?').get(q.split) as { id: number } | undefined;
    if (!s) throw notFound(`no split named "${q.split}"`);
    splitJoin = 'JOIN split_members m ON m.image_id = i.id AND m.split_id = @splitId';
    params.splitId = s.id;
    if (q.part) {
      where.push('m.part = @part');
      params.part = q.part;
    }
  }
  if (q.class !== undefined) {
    where.push('c.name = @class');
    params.class = q.class;
  }
  if (q.unlabelled) where.push('l.image_id IS NULL');
  if (q.status) {
    if (!['ok', 'failed', 'missing'].includes(q.status)) throw invalidArgument(`--status expects ok, failed or missing, got "${q.status}"`);
    where.push('i.status = @status');
    params.status = q.status;
  }
  if (q.duplicates) where.push(`i.status = 'ok' AND i.hash IN (SELECT hash FROM images WHERE status = 'ok' AND hash IS NOT NULL GROUP BY hash HAVING count(*) > 1)`);
  if (q.search) {
    where.push("i.rel_path LIKE @search ESCAPE '\\'");
    params.search = `%${q.search.replace(/[\\%_]/g, (ch) => '\\' + ch)}%`;
  }
  const from = `FROM images i JOIN roots r ON r.id = i.root_id ${splitJoin}
    LEFT JOIN labels l ON l.image_id = i.id LEFT JOIN classes c ON c.id = l.class_id
    ${where.length ? 'WHERE ' + where.join(' AND ') : ''}`;
  const total = (db.prepare(`SELECT count(*) AS n ${from}`).get(params) as { n: number }).n;
  const offset = Math.max(0, q.offset ?? 0);
  const limit = Math.max(0, q.limit ?? 100);
  const order = q.sort === 'id' ? 'i.id' : 'i.rel_path, r.path, i.id';
  const rows = db.prepare(`SELECT i.id, r.path AS root, i.rel_path AS path, i.size, i.mtime_ms AS mtimeMs, i.hash, i.width, i.height,
      i.format, i.status, i.error, c.name AS class, l.source AS labelSource ${q.split ? ', m.part' : ''},
      CASE WHEN i.hash IS NULL OR i.status != 'ok' THEN 0 ELSE (SELECT count(*) FROM images d WHERE d.hash = i.hash AND d.status = 'ok') END AS copies
    ${from} ORDER BY ${order} LIMIT @limit OFFSET @offset`).all({ ...params, limit, offset }) as ImageRecord[];
  for (const r of rows) r.absPath = path.join(r.root, ...r.path.split('/'));
  return { total, offset, limit, images: rows };
}

/**
 * Turns what a user typed (image ids, absolute or relative file paths, or
 * paths relative to an imported folder) into image ids; the error names each
 * reference that matches nothing.
 */
export function resolveImageRefs(project: Project, refs: string[]): number[] {
  const db = project.db;
  const roots = db.prepare('SELECT id, path FROM roots ORDER BY length(path) DESC').all() as { id: number; path: string }[];
  const byId = db.prepare('SELECT id FROM images WHERE id = ?');
  const byRootRel = db.prepare('SELECT id FROM images WHERE root_id = ? AND rel_path = ?');
  const byRel = db.prepare('SELECT id FROM images WHERE rel_path = ? LIMIT 2');
  const ids: number[] = [];
  const unknown: string[] = [];
  for (const ref of refs) {
    if (/^\d+$/.test(ref)) {
      const r = byId.get(Number(ref)) as { id: number } | undefined;
      if (r) ids.push(r.id);
      else unknown.push(ref);
      continue;
    }
    const abs = path.resolve(ref);
    let found: number | undefined;
    for (const root of roots) {
      if (abs.startsWith(root.path + path.sep)) {
        const rel = abs.slice(root.path.length + 1).split(path.sep).join('/');
        found = (byRootRel.get(root.id, rel) as { id: number } | undefined)?.id;
        if (found !== undefined) break;
      }
    }
    if (found === undefined) {
      const matches = byRel.all(ref.replace(/\\/g, '/').replace(/^\.\//, '')) as { id: number }[];
      if (matches.length > 1) throw invalidArgument(`"${ref}" names images in more than one imported folder; give an absolute path or an image id`);
      found = matches[0]?.id;
    }
    if (found === undefined) unknown.push(ref);
    else ids.push(found);
  }
  if (unknown.length) {
    const shown = unknown.slice(0, 5).map((u) => `"${u}"`).join(', ');
    throw notFound(`${unknown.length} image reference(s) match no image of the project: ${shown}${unknown.length > 5 ? ', …' : ''} (give image ids or paths of imported files)`);
  }
  return [...new Set(ids)];
}
