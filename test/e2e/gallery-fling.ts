/**
 * A long fast scroll of the gallery, as a user flinging the mouse wheel, and
 * what the viewport shows once it stops. Shared by the e2e test of the fling
 * (gallery-scroll.test.ts), which checks what is shown and what was decoded,
 * and by bench/ui.bench.ts, which times it.
 *
 * The page-side code is passed as strings: this file is compiled without DOM
 * types (tsconfig.e2e.json), like the benchmarks.
 */
import type { Page } from 'playwright-core';

export interface FlingOptions {
  /** Wheel notches (default 40). */
  wheels?: number;
  /** Pixels per notch (default 1500, a hard flick of a free-spinning wheel). */
  delta?: number;
  /** Milliseconds between notches (default 25). */
  intervalMs?: number;
}

/** What the tiles inside the grid's viewport show at one moment. */
export interface ViewportState {
  /** Tiles whose box meets the viewport. */
  tiles: number;
  /** Of them, tiles with an <img> complete and decoded (naturalWidth > 0). */
  shown: number;
  /** Tiles still without data (placeholders) or whose image is still loading. */
  waiting: number;
  /** Tiles of images that cannot be read (they show a mark, not an image). */
  marked: number;
  scrollTop: number;
}

// The state of the viewport, computed in the page.
const VIEWPORT_STATE = `(() => {
  const grid = document.querySelector('.virtual-grid');
  if (!grid) return null;
  const box = grid.getBoundingClientRect();
  let tiles = 0, shown = 0, waiting = 0, marked = 0;
  for (const cell of grid.querySelectorAll('.cell')) {
    const r = cell.getBoundingClientRect();
    if (r.bottom <= box.top || r.top >= box.bottom) continue;
    tiles++;
    const tile = cell.querySelector('.thumb-tile');
    const img = cell.querySelector('img');
    if (tile && tile.classList.contains('failed')) marked++;
    else if (img && img.complete && img.naturalWidth > 0) shown++;
    else waiting++;
  }
  return { tiles, shown, waiting, marked, scrollTop: grid.scrollTop };
})()`;

export async function viewportState(page: Page): Promise<ViewportState> {
  const s = (await page.evaluate(VIEWPORT_STATE)) as ViewportState | null;
  if (!s) throw new Error('the gallery grid is not on the page');
  return s;
}

/**
 * Flings the wheel over the grid: `wheels` notches of `delta` px, `intervalMs`
 * apart, then waits for the scroll to come to rest. Returns the distance
 * scrolled in px.
 */
export async function flingGallery(page: Page, o: FlingOptions = {}): Promise<number> {
  const wheels = o.wheels ?? 40;
  const delta = o.delta ?? 1500;
  const box = await page.locator('.virtual-grid').boundingBox();
  if (!box) throw new Error('the gallery grid is not on the page');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const from = (await viewportState(page)).scrollTop;
  for (let i = 0; i < wheels; i++) {
    await page.mouse.wheel(0, delta);
    await page.waitForTimeout(o.intervalMs ?? 25);
  }
  await settle(page);
  return (await viewportState(page)).scrollTop - from;
}

/** Resolves once scrollTop has not moved for 10 frames in a row (a smooth scroll has ended). */
async function settle(page: Page): Promise<void> {
  await page.evaluate(`new Promise((resolve) => {
    const grid = document.querySelector('.virtual-grid');
    let last = -1, still = 0;
    const tick = () => {
      if (grid.scrollTop === last) still++; else { still = 0; last = grid.scrollTop; }
      if (still >= 10) resolve(); else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })`);
}

/**
 * Flings, and measures in the page the time from the scroll's end (the last
 * frame scrollTop moved) to the first frame in which every tile in the
 * viewport shows its image (or its "cannot be read" mark). Milliseconds; 0
 * when they were all shown as the scroll stopped. For the benchmark: tests
 * never assert it.
 */
export async function timedFling(page: Page, o: FlingOptions = {}, timeoutMs = 60_000): Promise<{ ms: number; distance: number; state: ViewportState }> {
  // A watcher started before the fling: it notes the time of the last frame
  // scrollTop changed, and, once it has been still for 10 frames, the first
  // frame everything in view is shown.
  await page.evaluate(`(() => {
    const grid = document.querySelector('.virtual-grid');
    const w = { lastMove: performance.now(), last: grid.scrollTop, still: 0, moved: false, shownAt: null, done: false };
    window.__fling = w;
    const state = () => ${VIEWPORT_STATE};
    const tick = () => {
      const now = performance.now();
      if (grid.scrollTop !== w.last) { w.last = grid.scrollTop; w.lastMove = now; w.still = 0; w.moved = true; w.shownAt = null; }
      else w.still++;
      if (w.moved && w.still >= 1 && w.shownAt === null) {
        const s = state();
        if (s.tiles > 0 && s.waiting === 0) w.shownAt = now;
      }
      if (w.moved && w.still >= 10 && w.shownAt !== null) { w.done = true; return; }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
  const distance = await flingGallery(page, o);
  // A function, not a string: the page's CSP has no 'unsafe-eval'.
  await page.waitForFunction(() => (globalThis as unknown as { __fling: { done: boolean } }).__fling.done, undefined, { timeout: timeoutMs, polling: 100 });
  const ms = (await page.evaluate('Math.max(0, window.__fling.shownAt - window.__fling.lastMove)')) as number;
  return { ms, distance, state: await viewportState(page) };
}
