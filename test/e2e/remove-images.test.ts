/**
 * Issue 13, "Remove from the project (never from disk): an imported folder, or
 * selected images, with undo", in Chromium through browser mode, on 2 × 30
 * generated images in class folders: the user selects three images and
 * presses Delete, confirms, sees them gone and a note; Ctrl+Z brings them
 * back and says so; the Projects view removes the whole folder; importing it
 * again brings the images back with their labels. The files never move.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { e2eReady, importThroughDialog, launchBrowser, openStudioPage, screenshot, startStudio, type RunningStudio } from './harness.ts';

const notReady = e2eReady();

describe.skipIf(notReady)('issue 13: remove images and folders from the project', () => {
  let studio: RunningStudio;
  let browser: Browser;
  let page: Page;
  const nav = (view: string) => page.click(`[data-nav="${view}"]`);
  const total = () => page.locator('[data-testid="gallery-total"]').textContent();
  const chip = (cls: string) => page.locator(`.gallery-filters [data-class="${cls}"]`).textContent();
  const filesOnDisk = (): number => fs.readdirSync(studio.imagesDir, { recursive: true }).filter((f) => String(f).endsWith('.jpg')).length;

  beforeAll(async () => {
    studio = await startStudio({ images: { classes: { cat: [200, 120, 40], dog: [60, 90, 200] }, perClass: 30, size: 24 } });
    browser = await launchBrowser();
    page = (await openStudioPage(browser, studio, { width: 1440, height: 900 })).page;
    await importThroughDialog(page, studio.imagesDir, 'cat');
  });
  afterAll(async () => {
    await browser?.close();
    await studio?.stop();
  });

  it('selected images: Delete asks, removes them from the gallery and the counts, and Ctrl+Z brings them back', async () => {
    await nav('gallery');
    await expect.poll(total).toBe('60 images');
    const tiles = page.locator('.thumb-tile[data-name]');
    await tiles.nth(0).click();
    await tiles.nth(2).click({ modifiers: ['Shift'] });
    await expect.poll(() => page.locator('[data-testid="selection-count"]').textContent()).toBe('3 selected');
    const names = await tiles.evaluateAll((els) => els.slice(0, 3).map((e) => e.getAttribute('data-name')));
    await page.keyboard.press('Delete');
    const ask = page.locator('[data-testid="confirm-remove-text"]');
    await ask.waitFor();
    expect(await ask.textContent()).toMatch(/Remove 3 images from the project\?\s+The files stay on disk/);
    await screenshot(page, 'remove-images-confirm');
    await page.click('[data-testid="confirm-remove"]');
    await expect.poll(total).toBe('57 images');
    expect(await page.locator('[data-testid="gallery-notice"]').textContent()).toContain('Removed 3 images from the project; the files are untouched. Ctrl+Z brings them back.');
    expect(await chip('cat')).toContain('27');
    const shown = await tiles.evaluateAll((els) => els.map((e) => e.getAttribute('data-name')));
    for (const n of names) expect(shown).not.toContain(n);
    expect(filesOnDisk()).toBe(60);
    expect((await studio.api('getProjectStatus')).images.total).toBe(57);
    await screenshot(page, 'remove-images-removed');

    await page.keyboard.press('Control+z');
    await expect.poll(total).toBe('60 images');
    expect(await page.locator('[data-testid="gallery-notice"]').textContent()).toContain('Undid: remove 3 images from the project.');
    expect(await chip('cat')).toContain('30');
    const back = await tiles.evaluateAll((els) => els.slice(0, 3).map((e) => e.getAttribute('data-name')));
    expect(back).toEqual(names);
  });

  it('a whole folder, from the Projects view: asks, says what it did, and importing the folder again brings its images back labelled', async () => {
    await nav('projects');
    const row = page.locator(`.roots .root[data-root="${studio.imagesDir}"]`);
    await row.waitFor();
    await row.locator('[data-testid="remove-folder"]').click();
    const ask = page.locator('[data-testid="remove-folder-text"]');
    await ask.waitFor();
    expect(await ask.textContent()).toContain(`Take the 60 images of ${studio.imagesDir} out of the project?`);
    await page.click('[data-testid="confirm-remove-folder"]');
    const note = page.locator('[data-testid="folder-note"]');
    await note.waitFor();
    expect(await note.textContent()).toContain(`Removed ${studio.imagesDir} from the project (60 images); the files are untouched.`);
    await expect.poll(() => row.count()).toBe(0);
    // The last import's figures were about images no longer in the project: they go.
    expect(await page.locator('[data-testid="import-summary"]').count()).toBe(0);
    await screenshot(page, 'remove-folder-done');
    await page.setViewportSize({ width: 1920, height: 1200 });
    await screenshot(page, 'remove-folder-done-1920');
    await page.setViewportSize({ width: 1440, height: 900 });
    await nav('gallery');
    await expect.poll(total).toBe('0 images');
    expect(filesOnDisk()).toBe(60);

    await nav('projects');
    const summary = await importThroughDialog(page, studio.imagesDir, 'cat');
    expect(summary).toContain('60 brought back into the project');
    await nav('gallery');
    await expect.poll(total).toBe('60 images');
    expect(await chip('dog')).toContain('30');
  });
});
