/**
 * "After a long fast scroll thumbnails appear", in Chromium through browser
 * mode, on 2,400 generated JPEGs imported without thumbnails (every tile's
 * thumbnail is made on demand, a full decode of its image): the gallery is
 * flung many screens down with the mouse wheel, and once it stops every tile in
 * the viewport shows its thumbnail, while the tiles flown past were not all
 * decoded (the grid does not let them ask). Then the same with the background
 * thumbnail job running, and a short scroll, which loads as it goes. No time
 * is asserted here: bench/ui.bench.ts measures how long the thumbnails take.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { colorFor, gradientPixels, jpegVariant } from '../helpers/make-images.ts';
import { flingGallery, viewportState } from './gallery-fling.ts';
import { e2eReady, launchBrowser, openStudioPage, screenshot, startStudio, type RunningStudio } from './harness.ts';

const notReady = e2eReady();
const N = 2400;
const ROW_HEIGHT = 196; // GalleryView's grid

describe.skipIf(notReady)('gallery: a long fast scroll', () => {
  let studio: RunningStudio;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  /** Thumbnails in the project's cache: how many images the core has decoded for the gallery. */
  const thumbnailsMade = (): number => {
    const dir = `${studio.projectFile}.d/thumbs`;
    if (!fs.existsSync(dir)) return 0;
    return fs.readdirSync(dir).reduce((n, sub) => n + fs.readdirSync(path.join(dir, sub)).length, 0);
  };
  const columns = (): Promise<number> => page.locator('.virtual-grid .grid-row').first().locator('.cell').count();
  /** Waits until nothing in the viewport is still loading, then returns what it shows. */
  const settled = async () => {
    await expect.poll(async () => (await viewportState(page)).waiting, { timeout: 60_000, interval: 100 }).toBe(0);
    return viewportState(page);
  };

  beforeAll(async () => {
    studio = await startStudio({ images: false });
    // Photos of 640 × 480: a thumbnail is a real decode. 16 encoded bases made distinct by a comment segment.
    const bases = await Promise.all(Array.from({ length: 16 }, (_, i) => sharp(gradientPixels(640, 480, colorFor(i)), { raw: { width: 640, height: 480, channels: 3 } }).jpeg({ quality: 85 }).toBuffer()));
    for (const cls of ['cat', 'dog']) fs.mkdirSync(path.join(studio.imagesDir, cls), { recursive: true });
    for (let i = 0; i < N; i++) {
      const cls = i % 2 ? 'dog' : 'cat';
      fs.writeFileSync(path.join(studio.imagesDir, cls, `${cls}.${String(i).padStart(5, '0')}.jpg`), jpegVariant(bases[i % bases.length], i));
    }
    // No thumbnails made beforehand, and no background job: each one the gallery shows is made when asked for.
    await studio.api('importFolder', { folder: studio.imagesDir, labelSource: 'folder', thumbnails: false });
    browser = await launchBrowser();
    ({ page, errors } = await openStudioPage(browser, studio, { width: 1440, height: 900 }));
    await page.click('[data-nav="gallery"]');
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await studio?.stop();
  });

  it('shows the first screen', async () => {
    await expect.poll(() => page.locator('[data-testid="gallery-total"]').textContent()).toBe('2,400 images');
    const s = await settled();
    expect(s.tiles).toBeGreaterThan(10);
    expect(s.shown).toBe(s.tiles);
  });

  it('after a fling of many screens shows every thumbnail in view, without decoding every tile flown past', async () => {
    await page.waitForTimeout(600); // the overscan rows of the first screen load too
    const before = thumbnailsMade();
    const distance = await flingGallery(page, { wheels: 30, delta: 1500 });
    const passed = Math.floor(distance / ROW_HEIGHT) * (await columns());
    expect(distance).toBeGreaterThan(40_000); // ~50 screens
    const s = await settled();
    expect(s.tiles).toBeGreaterThan(10);
    expect(s.marked).toBe(0);
    expect(s.shown).toBe(s.tiles);
    // Every tile in view is an <img> with its thumbnail decoded, not the full image.
    const srcs = (await page.evaluate(`[...document.querySelectorAll('.virtual-grid img')].filter((i) => { const r = i.getBoundingClientRect(); return r.bottom > 60 && r.top < innerHeight; }).map((i) => i.getAttribute('src'))`)) as string[];
    expect(srcs.length).toBeGreaterThan(10);
    for (const src of srcs) expect(src).toMatch(/\/media\/thumb\/[0-9a-f]+$/);
    await page.waitForTimeout(600);
    const made = thumbnailsMade() - before;
    // The screen it stopped on and the rows kept around it, not the ~1,400 tiles flown past.
    expect(made).toBeGreaterThanOrEqual(s.tiles);
    expect(made).toBeLessThan(passed / 4);
    await screenshot(page, 'gallery-after-fling');
  });

  it('a short scroll loads the rows it brings as it goes', async () => {
    const box = await page.locator('.virtual-grid').boundingBox();
    await page.mouse.move(box!.x + box!.width / 2, box!.y + box!.height / 2);
    for (let i = 0; i < 3; i++) {
      await page.mouse.wheel(0, 200);
      await page.waitForTimeout(250);
    }
    const s = await settled();
    expect(s.shown).toBe(s.tiles);
  });

  it('after a fling back up with the background thumbnail job running, shows every thumbnail in view', async () => {
    await studio.api('makeThumbnails', {});
    const s0 = await viewportState(page);
    await flingGallery(page, { wheels: 20, delta: -1500 });
    const s = await settled();
    expect((await viewportState(page)).scrollTop).toBeLessThan(s0.scrollTop - 20_000);
    expect(s.tiles).toBeGreaterThan(10);
    expect(s.shown).toBe(s.tiles);
    expect(errors).toEqual([]);
  });
});
