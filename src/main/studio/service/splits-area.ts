/** Split calls: live preview (never throws for an impossible request: it says why), create, lock, delete, list. */
import { createSplit, deleteSplit, getSplit, listSplits, lockSplit, previewSplit } from '../splits/split-service.ts';
import type { ServiceArea, ServiceContext } from './context.ts';

export function splitsArea(ctx: ServiceContext): ServiceArea {
  return {
    previewSplit: async (req) => previewSplit(ctx.project(), req),
    async createSplit(req) {
      const s = createSplit(ctx.project(), req);
      ctx.projectChanged();
      return s;
    },
    async lockSplit({ name }) {
      lockSplit(ctx.project(), name);
      ctx.projectChanged();
      return getSplit(ctx.project(), name);
    },
    async deleteSplit({ name }) {
      deleteSplit(ctx.project(), name);
      ctx.projectChanged();
      return listSplits(ctx.project());
    },
    listSplits: async () => listSplits(ctx.project()),
  };
}
