import { describe, expect, it } from 'vitest';
import { planSplit, resolveSizes, type SplitCandidate } from './split-planner.ts';

function candidates(perClass: Record<string, number>): SplitCandidate[] {
  const out: SplitCandidate[] = [];
  let id = 1;
  for (const [cls, n] of Object.entries(perClass)) {
    for (let i = 0; i < n; i++) {
      out.push({ id: id++, hash: `${cls}-${String(i).padStart(6, '0')}`.split('').reverse().join(''), path: `${cls}/${cls}.${i}.jpg`, className: cls });
    }
  }
  return out;
}

const byId = (plan: ReturnType<typeof planSplit>): string[] => plan.members.map((m) => `${m.id}:${m.part}`).sort();

describe('planSplit', () => {
  // Computed with the split planner's own sfc32 (splits/prng.ts) before it became
  // common/random.ts' SeededRandom: frozen splits and users' seeds rely on these draws.
  it.each([
    [42, true, '1:train 2:train 3:train 4:test 5:val 6:test 7:test 8:val 9:train 11:train 12:train 13:test 14:val 15:train'],
    [7, false, '1:val 2:train 3:train 4:train 5:test 6:train 7:test 9:train 10:test 11:val 12:val 13:test 14:train 15:train'],
    [2 ** 40 + 5, true, '1:train 2:test 3:test 4:train 5:val 6:train 7:train 8:val 9:test 11:train 12:train 13:test 14:val 15:train'],
  ])('draws the same members for seed %d (stratified: %s) as it always has', (seed, stratify, expected) => {
    const plan = planSplit(candidates({ cat: 6, dog: 5, fox: 4 }), { unit: 'count', sizes: { train: 7, val: 3, test: 4 }, seed, stratify });
    expect(plan.members.map((m) => `${m.id}:${m.part}`).sort((a, b) => parseInt(a) - parseInt(b)).join(' ')).toBe(expected);
  });

  it('gives exact stratified counts: 12500/12500 with 4000/2000/10000', () => {
    const plan = planSplit(candidates({ cat: 12500, dog: 12500 }), { unit: 'count', sizes: { train: 4000, val: 2000, test: 10000 }, seed: 42, stratify: true });
    expect(plan.counts).toEqual({ train: { cat: 2000, dog: 2000 }, val: { cat: 1000, dog: 1000 }, test: { cat: 5000, dog: 5000 } });
    expect(plan.members).toHaveLength(16000);
    expect(new Set(plan.members.map((m) => m.id)).size).toBe(16000);
  });

  it('keeps totals exact with uneven classes (largest remainder)', () => {
    const plan = planSplit(candidates({ a: 7, b: 11, c: 13 }), { unit: 'count', sizes: { train: 10, val: 5, test: 16 }, seed: 1, stratify: true });
    expect(plan.totals).toEqual({ train: 10, val: 5, test: 16 });
    for (const part of ['train', 'val', 'test'] as const) {
      expect(Object.values(plan.counts[part]).reduce((s, n) => s + n, 0)).toBe(plan.totals[part]);
    }
    // every image used exactly once when the sizes add up to all of them
    expect(new Set(plan.members.map((m) => m.id)).size).toBe(31);
    expect(plan.counts.train).toEqual({ a: 2, b: 4, c: 4 });
  });

  it('is reproducible: same seed same membership, whatever the input order or ids', () => {
    const base = candidates({ cat: 300, dog: 200 });
    const a = planSplit(base, { unit: 'count', sizes: { train: 100, val: 50, test: 200 }, seed: 7, stratify: true });
    // The same images imported in another order get other row ids: membership follows content, not ids.
    const shuffled = [...base].reverse().map((c) => ({ ...c, id: c.id + 1000 }));
    const b = planSplit(shuffled, { unit: 'count', sizes: { train: 100, val: 50, test: 200 }, seed: 7, stratify: true });
    expect(b.members.map((m) => `${m.id - 1000}:${m.part}`).sort()).toEqual(byId(a));
    const c = planSplit(base, { unit: 'count', sizes: { train: 100, val: 50, test: 200 }, seed: 8, stratify: true });
    expect(byId(c)).not.toEqual(byId(a));
  });

  it('draws without stratification when asked (exact totals, class counts free)', () => {
    const plan = planSplit(candidates({ cat: 90, dog: 10 }), { unit: 'count', sizes: { train: 50, val: 0, test: 50 }, seed: 3, stratify: false });
    expect(plan.totals).toEqual({ train: 50, val: 0, test: 50 });
    expect((plan.counts.train.cat ?? 0) + (plan.counts.train.dog ?? 0)).toBe(50);
  });

  it('accepts fractions and rounds them to exact counts', () => {
    const plan = planSplit(candidates({ cat: 51, dog: 50 }), { unit: 'fraction', sizes: { train: 0.6, val: 0.2, test: 0.2 }, seed: 42, stratify: true });
    expect(plan.totals.train + plan.totals.val + plan.totals.test).toBe(101);
    expect(plan.totals).toEqual({ train: 61, val: 20, test: 20 });
  });
});

describe('planSplit with duplicate contents', () => {
  it('draws one image per content so copies never straddle train and test', () => {
    const base = candidates({ cat: 10, dog: 10 });
    const copies = base.slice(0, 4).map((c, i) => ({ ...c, id: 100 + i, path: `zz/copy${i}.jpg` }));
    const plan = planSplit([...base, ...copies], { unit: 'count', sizes: { train: 10, val: 0, test: 10 }, seed: 1, stratify: true });
    expect(plan.available).toMatchObject({ total: 20, duplicatesLeftOut: 4 });
    expect(plan.members.some((m) => m.id >= 100)).toBe(false);
  });
});

describe('resolveSizes', () => {
  const count = (train: number, val: number, test: number) => ({ unit: 'count' as const, sizes: { train, val, test } });
  const fraction = (train: number, val: number, test: number) => ({ unit: 'fraction' as const, sizes: { train, val, test } });
  it('fails with the numbers and the field when a part does not fit', () => {
    const fit = (): unknown => resolveSizes(count(4000, 2000, 10000), 14200);
    expect(fit).toThrow('sizes.test: expected at most 8,200, got 10,000 (14,200 labelled healthy images after train 4,000 and val 2,000)');
    expect(fit).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'sizes.test' }));
    expect(() => resolveSizes(count(500, 0, 0), 100)).toThrow('sizes.train: expected at most 100, got 500 (100 labelled healthy images)');
  });
  it('refuses fractions adding up to more than 1, counts that are not whole, and nothing asked', () => {
    expect(() => resolveSizes(fraction(0.7, 0.2, 0.3), 100)).toThrow(/sizes: fractions must add up to at most 1, got train 0.7 \+ val 0.2 \+ test 0.3 = 1.2/);
    expect(() => resolveSizes(count(2.5, 0, 0), 100)).toThrow(expect.objectContaining({ field: 'sizes.train', message: 'sizes.train: expected a whole number of images, got 2.5' }));
    expect(() => resolveSizes(fraction(4000, 0, 0), 100)).toThrow(expect.objectContaining({ field: 'sizes.train' }));
    expect(() => resolveSizes(count(0, 0, 0), 100)).toThrow(/at least one of train, val and test/);
  });
  it('honours the unit: fractions of the available images, counts as they are', () => {
    expect(resolveSizes(fraction(0.5, 0, 0.1), 100)).toEqual({ train: 50, val: 0, test: 10 });
    expect(resolveSizes(count(50, 0, 10), 100)).toEqual({ train: 50, val: 0, test: 10 });
  });
});
