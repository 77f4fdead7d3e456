/**
 * The gallery and split editor in detail, in Chromium through browser mode:
 * an import with a broken file reports it with its reason; filters by class,
 * search and failed files; select all filtered and relabel them from the menu;
 * the preview shows the label history; redo; an impossible split says so with
 * the numbers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { e2eReady, importThroughDialog, launchBrowser, openStudioPage, screenshot, startStudio, type RunningStudio } from './harness.ts';

const notReady = e2eReady();

describe.skipIf(notReady)('gallery and split editor details', () => {
  let studio: RunningStudio;
  let browser: Browser;
  let page: Page;
  const total = () => page.locator('[data-testid="gallery-total"]').textContent();

  beforeAll(async () => {
    studio = await startStudio({ images: { perClass: 6, size: 40 } });
    // A truncated JPEG: the import must report it, with why.
    const good = fs.readFileSync(path.join(studio.imagesDir, 'red', 'red.0.jpg'));
    fs.writeFileSync(path.join(studio.imagesDir, 'red', 'broken.jpg'), good.subarray(0, Math.floor(good.length / 2)));
    browser = await launchBrowser();
    page = (await openStudioPage(browser, studio)).page;
  });
  afterAll(async () => {
    await browser?.close();
    await studio?.stop();
  });

  it('imports through the dialog and lists the file that failed with its reason', async () => {
    const text = await importThroughDialog(page, studio.imagesDir, 'red');
    expect(text).toContain('1 failed');
    expect(text).toContain('broken.jpg');
    await screenshot(page, 'gallery-1-import-failures');
  });

  it('filters by class, by name and by failed files', async () => {
    await page.click('[data-nav="gallery"]');
    await expect.poll(total).toBe('13 images');
    // The broken file sits in red/: it has the folder's label too.
    await page.click('.gallery-filters [data-class="red"]');
    await expect.poll(total).toBe('7 images');
    expect(await page.locator('.thumb-tile[data-label="blue"]').count()).toBe(0);
    await page.click('.gallery-filters [data-class="red"]');
    await page.fill('input[aria-label="Search by name"]', 'blue.3');
    await expect.poll(total).toBe('1 image');
    await page.fill('input[aria-label="Search by name"]', '');
    await page.selectOption('select[aria-label="File status"]', 'failed');
    await expect.poll(total).toBe('1 image');
    expect(await page.locator('.thumb-tile.failed').getAttribute('title')).toMatch(/broken\.jpg: .+/);
    await screenshot(page, 'gallery-2-failed-filter');
    await page.selectOption('select[aria-label="File status"]', '');
    await expect.poll(total).toBe('13 images');
  });

  it('selects all filtered images and relabels them from the menu, then undo and redo', async () => {
    await page.click('.gallery-filters [data-class="blue"]');
    await expect.poll(total).toBe('6 images');
    await page.locator('.thumb-tile[data-name]').first().click();
    await page.keyboard.press('Control+a');
    await expect.poll(() => page.locator('[data-testid="selection-count"]').textContent()).toBe('6 selected');
    await page.click('[data-testid="relabel-menu"]');
    await page.fill('input[aria-label="New class name"]', 'violet');
    await page.press('input[aria-label="New class name"]', 'Enter');
    await expect.poll(() => page.locator('.thumb-tile[data-label="violet"]').count()).toBe(6);
    await expect.poll(async () => (await studio.api('getProjectStatus')).classes.find((c) => c.name === 'violet')?.count).toBe(6);
    await screenshot(page, 'gallery-3-relabelled-all');

    await page.keyboard.press('Control+z');
    await expect.poll(() => page.locator('.thumb-tile[data-label="blue"]').count()).toBe(6);
    // Redone, they are violet again and so leave the "blue" filter.
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(total).toBe('0 images');
    await page.click('.gallery-filters [data-class="violet"]');
    await expect.poll(() => page.locator('.thumb-tile[data-label="violet"]').count()).toBe(6);
    await page.locator('.thumb-tile[data-name]').first().click();

    await page.keyboard.press('Space');
    const history = page.locator('.image-preview .history');
    await expect.poll(() => history.textContent()).toContain('blue → violet');
    await screenshot(page, 'gallery-4-preview-history');
    await page.keyboard.press('Escape');
  });

  it('says with the numbers why a split cannot be made', async () => {
    await page.click('[data-nav="splits"]');
    await page.click('[data-testid="unit-count"]');
    await page.fill('input[data-part="train"]', '10');
    await page.fill('input[data-part="val"]', '5');
    await page.fill('input[data-part="test"]', '5');
    const problem = page.locator('[data-testid="split-problem"]');
    await problem.waitFor();
    expect(await problem.textContent()).toMatch(/\d/);
    // Said in the UI's words, under the size boxes, the box at fault marked: not the contract's "sizes.test".
    const atBox = page.locator('[data-testid="size-problem"]');
    const part = await atBox.getAttribute('data-part');
    const words = { train: 'Train', val: 'Validation', test: 'Test' }[part as 'train' | 'val' | 'test'];
    expect(await atBox.textContent()).toMatch(new RegExp(`^${words} size: expected at most \\d+, got \\d+`));
    expect(await problem.textContent()).not.toContain('sizes.');
    expect(await page.locator(`input[data-part="${part}"]`).getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('input[data-part][aria-invalid="true"]').count()).toBe(1);
    expect(await page.locator('[data-testid="create-split"]').isDisabled()).toBe(true);
    await screenshot(page, 'gallery-5-split-problem');
  });
});
