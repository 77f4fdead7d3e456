import { fieldError, invalidArgument } from '../../../shared/errors.ts';
import { SeededRandom } from '../../common/random.ts';
import { PARTS, type Part } from '../../../shared/api.ts';

/**
 * Pure split planning: which images go to train, val and test. Only one image
 * of each distinct content is drawn (the first by path), so that copies of a
 * picture never sit on both sides of the train/test line. Deterministic:
 * candidates are ordered by content hash then relative path (never by row id,
 * which depends on import order), shuffled per class with a seeded PRNG, and
 * allocated with largest remainders so that every part gets exactly the count
 * asked for and each class its fair share of it.
 */
// The three parts are a domain type of the contract, shared by every process.
export { PARTS, type Part };

export interface SplitCandidate {
  id: number;
  hash: string;
  /** Path relative to its imported folder. */
  path: string;
  className: string;
}

/** Per part: image counts (unit 'count') or fractions of the available images (unit 'fraction'); 0 = none. */
export interface SizeRequest {
  unit: 'count' | 'fraction';
  sizes: Record<Part, number>;
}

export interface PlanOptions extends SizeRequest {
  seed: number;
  stratify: boolean;
}

export interface SplitPlan {
  members: { id: number; part: Part; className: string }[];
  /** Images per part and class. */
  counts: Record<Part, Record<string, number>>;
  totals: Record<Part, number>;
  /** Images that can be drawn (one per distinct content), per class, and extra copies left out. */
  available: { total: number; byClass: Record<string, number>; duplicatesLeftOut: number };
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/**
 * Turns counts or fractions into exact counts for `available` images. Errors
 * name the input field (`sizes.train`) and carry the numbers; they never name
 * a CLI flag, since the same words reach the UI.
 */
export function resolveSizes({ unit, sizes }: SizeRequest, available: number): Record<Part, number> {
  const out: Record<Part, number> = { train: 0, val: 0, test: 0 };
  for (const part of PARTS) {
    const v = sizes[part] ?? 0;
    if (!Number.isFinite(v) || v < 0) throw fieldError('invalid-argument', `sizes.${part}`, `expected ${unit === 'count' ? 'a whole number of images' : 'a fraction between 0 and 1'}, got ${v}`);
    if (unit === 'count' && !Number.isInteger(v)) throw fieldError('invalid-argument', `sizes.${part}`, `expected a whole number of images, got ${v}`);
    if (unit === 'fraction' && v >= 1) throw fieldError('invalid-argument', `sizes.${part}`, `expected a fraction below 1, got ${v}`);
  }
  if (PARTS.every((p) => !sizes[p])) throw fieldError('invalid-argument', 'sizes', 'at least one of train, val and test must be more than 0');
  if (unit === 'fraction') {
    const sumF = PARTS.reduce((s, p) => s + (sizes[p] ?? 0), 0);
    if (sumF > 1 + 1e-9) {
      throw fieldError('invalid-argument', 'sizes', `fractions must add up to at most 1, got ${PARTS.filter((p) => sizes[p]).map((p) => `${p} ${sizes[p]}`).join(' + ')} = ${Math.round(sumF * 1000) / 1000}`);
    }
    // Largest remainder: the parts together get round(sum × N) images.
    const target = Math.min(available, Math.round(sumF * available));
    const exact = PARTS.map((part) => ({ part, exact: (sizes[part] ?? 0) * available, n: Math.floor((sizes[part] ?? 0) * available) }));
    let left = target - exact.reduce((s, x) => s + x.n, 0);
    for (const x of [...exact].sort((a, b) => (b.exact - b.n) - (a.exact - a.n) || PARTS.indexOf(a.part) - PARTS.indexOf(b.part))) {
      if (left <= 0) break;
      if (x.exact === 0) continue;
      x.n++;
      left--;
    }
    for (const x of exact) out[x.part] = x.n;
    return out;
  }
  let used = 0;
  for (const part of PARTS) {
    out[part] = sizes[part] ?? 0;
    if (out[part] > available - used) {
      const before = PARTS.slice(0, PARTS.indexOf(part)).filter((p) => out[p] > 0);
      const after = before.length ? ` after ${before.map((p) => `${p} ${fmt(out[p])}`).join(' and ')}` : '';
      throw fieldError('invalid-argument', `sizes.${part}`, `expected at most ${fmt(available - used)}, got ${fmt(out[part])} (${fmt(available)} labelled healthy images${after})`);
    }
    used += out[part];
  }
  return out;
}

/**
 * Splits `total` among groups in proportion to their sizes: floors first, then
 * one more to the largest remainders (ties by group name), never more than a
 * group's remaining capacity.
 */
function allocate(total: number, groups: { name: string; size: number; cap: number }[], all: number): Map<string, number> {
  const out = new Map<string, number>();
  let left = total;
  const fr: { name: string; rem: number }[] = [];
  for (const g of groups) {
    const exact = (total * g.size) / all;
    const n = Math.min(g.cap, Math.floor(exact));
    out.set(g.name, n);
    left -= n;
    fr.push({ name: g.name, rem: exact - Math.floor(exact) });
  }
  fr.sort((a, b) => b.rem - a.rem || (a.name < b.name ? -1 : 1));
  const capLeft = (name: string): number => groups.find((g) => g.name === name)!.cap - out.get(name)!;
  while (left > 0) {
    let gave = false;
    for (const f of fr) {
      if (left === 0) break;
      if (capLeft(f.name) > 0) {
        out.set(f.name, out.get(f.name)! + 1);
        left--;
        gave = true;
      }
    }
    if (!gave) throw new Error('split allocation ran out of images (this is a bug)');
  }
  return out;
}

export function planSplit(candidates: SplitCandidate[], options: PlanOptions): SplitPlan {
  const sorted = [...candidates].sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // One image per content: identical copies in train and test would leak the answer.
  const ordered = sorted.filter((c, i) => i === 0 || sorted[i - 1].hash !== c.hash);
  const byClass: Record<string, number> = {};
  for (const c of ordered) byClass[c.className] = (byClass[c.className] ?? 0) + 1;
  if (ordered.length === 0) throw invalidArgument('there are no labelled healthy images to split: import and label images first');
  const sizes = resolveSizes(options, ordered.length);
  const groups = new Map<string, SplitCandidate[]>();
  for (const c of ordered) {
    const key = options.stratify ? c.className : '';
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(c);
  }
  const names = [...groups.keys()].sort();
  for (const name of names) new SeededRandom(options.seed, `class:${name}`).shuffleInPlace(groups.get(name)!);

  // Per part, per group: how many. Floors of every part first, so that no group is over-drawn.
  const info = names.map((name) => ({ name, size: groups.get(name)!.length, cap: groups.get(name)!.length }));
  const alloc = {} as Record<Part, Map<string, number>>;
  for (const part of PARTS) {
    const a = allocate(sizes[part], info, ordered.length);
    for (const g of info) g.cap -= a.get(g.name)!;
    alloc[part] = a;
  }

  const members: SplitPlan['members'] = [];
  const counts: SplitPlan['counts'] = { train: {}, val: {}, test: {} };
  for (const name of names) {
    const g = groups.get(name)!;
    let at = 0;
    for (const part of PARTS) {
      const n = alloc[part].get(name)!;
      for (const c of g.slice(at, at + n)) {
        members.push({ id: c.id, part, className: c.className });
        counts[part][c.className] = (counts[part][c.className] ?? 0) + 1;
      }
      at += n;
    }
  }
  return { members, counts, totals: sizes, available: { total: ordered.length, byClass, duplicatesLeftOut: candidates.length - ordered.length } };
}
