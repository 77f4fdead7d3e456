/** Split calls: live preview (never throws for an impossible request: it says why), create, lock, delete, list. */
import type { Part, SplitInfo, SplitPartCounts, SplitRequest } from '../../../shared/api.ts';
import { StudioError } from '../../../shared/errors.ts';
import { createSplit, deleteSplit, lockSplit, previewSplit, splitCandidates, type SplitRequest as CoreSplitRequest } from '../splits/split-service.ts';
import type { ServiceArea, ServiceContext } from './context.ts';
import { splitsOf } from './views.ts';

const PARTS: Part[] = ['train', 'val', 'test'];

function coreRequest(r: SplitRequest): CoreSplitRequest {
  return { name: r.name, seed: r.seed, train: r.sizes.train, val: r.sizes.val, test: r.sizes.test, stratify: r.stratified, lockTest: r.lockTest ?? false };
}

function partsOf(counts: Record<Part, Record<string, number>>, totals: Record<Part, number>): SplitPartCounts[] {
  return PARTS.map((part) => ({ part, total: totals[part], byClass: { ...counts[part] } }));
}

export function splitsArea(ctx: ServiceContext): ServiceArea {
  const byName = (name: string): SplitInfo => {
    const s = splitsOf(ctx.project().db).find((x) => x.name === name);
    if (!s) throw new StudioError('not-found', `no split named "${name}"`);
    return s;
  };
  return {
    async previewSplit(req) {
      const project = ctx.project();
      try {
        const p = previewSplit(project, coreRequest(req));
        return { ok: true, problem: null, available: p.available.total, availableByClass: p.available.byClass, parts: partsOf(p.counts, p.totals) };
      } catch (err) {
        if (!(err instanceof StudioError) || err.code !== 'invalid-argument') throw err;
        const byClass: Record<string, number> = {};
        const candidates = splitCandidates(project.db);
        for (const c of candidates) byClass[c.className] = (byClass[c.className] ?? 0) + 1;
        return { ok: false, problem: err.message, available: candidates.length, availableByClass: byClass, parts: PARTS.map((part) => ({ part, total: 0, byClass: {} })) };
      }
    },
    async createSplit(req) {
      const s = createSplit(ctx.project(), coreRequest(req));
      ctx.projectChanged();
      return byName(s.name);
    },
    async lockSplit({ name }) {
      lockSplit(ctx.project(), name);
      ctx.projectChanged();
      return byName(name);
    },
    async deleteSplit({ name }) {
      deleteSplit(ctx.project(), name);
      ctx.projectChanged();
      return splitsOf(ctx.project().db);
    },
    listSplits: async () => splitsOf(ctx.project().db),
  };
}
