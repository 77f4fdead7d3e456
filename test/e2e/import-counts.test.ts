/**
 * "The import summary's numbers agree with the class chips", in Chromium
 * through browser mode: a folder with a duplicate in its class, a copy of a cat
 * filed under dog, a truncated file in a class, a JPEG whose scan data is
 * damaged (only the thumbnail job's full decode finds it, after the import),
 * loose unlabelled images, a loose broken file and a text file named .jpg, is
 * imported through the dialog; the summary's figures and the gallery's class
 * chips, duplicates and "cannot be read" counts are read off the screen and
 * compared, per class and in total.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { colorFor, writeCorruptJpeg, writeImage, writeNotAnImage, writeTruncatedImage } from '../helpers/make-images.ts';
import { e2eReady, importThroughDialog, launchBrowser, openStudioPage, screenshot, startStudio, type RunningStudio } from './harness.ts';

const notReady = e2eReady();

/** The first integer in a text ("1,234 images" → 1234). */
const num = (text: string | null): number => Number((/\d[\d,]*/.exec(text ?? '') ?? ['NaN'])[0].replace(/,/g, ''));

describe.skipIf(notReady)('import summary and class chips', () => {
  let studio: RunningStudio;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    studio = await startStudio({ images: false });
    const d = studio.imagesDir;
    for (let i = 0; i < 5; i++) await writeImage(path.join(d, 'cat', `cat${i}.jpg`), { color: colorFor(i) });
    fs.copyFileSync(path.join(d, 'cat', 'cat0.jpg'), path.join(d, 'cat', 'cat0-copy.jpg'));
    for (let i = 0; i < 4; i++) await writeImage(path.join(d, 'dog', `dog${i}.jpg`), { color: colorFor(10 + i) });
    fs.copyFileSync(path.join(d, 'cat', 'cat1.jpg'), path.join(d, 'dog', 'filed-as-dog.jpg'));
    await writeTruncatedImage(path.join(d, 'cat', 'truncated.jpg'));
    await writeCorruptJpeg(path.join(d, 'dog', 'corrupt-scan.jpg'));
    for (let i = 0; i < 2; i++) await writeImage(path.join(d, `loose${i}.jpg`), { color: colorFor(20 + i) });
    await writeTruncatedImage(path.join(d, 'loose-truncated.jpg'));
    writeNotAnImage(path.join(d, 'notes.jpg'));
    browser = await launchBrowser();
    ({ page, errors } = await openStudioPage(browser, studio, { width: 1440, height: 900 }));
  });
  afterAll(async () => {
    await browser?.close();
    await studio?.stop();
  });

  it('imports the folder through the dialog and the summary says what it counts', async () => {
    const text = await importThroughDialog(page, studio.imagesDir, 'cat');
    expect(text).toContain('17 added');
    // The thumbnail job decodes every image in full and finds the damaged scan data.
    await page.locator('[data-testid="import-found-since"]').waitFor({ timeout: 60_000 });
    await expect.poll(async () => (await studio.api('getProjectStatus')).images.failed).toBe(4);
    const files = page.locator('[data-testid="import-files"]');
    expect(num(await files.locator('[data-count="files"]').textContent())).toBe(17);
    expect(num(await files.locator('[data-count="readable"]').textContent())).toBe(14);
    expect(num(await files.locator('[data-count="unreadable"]').textContent())).toBe(3);
    expect(await page.locator('[data-testid="import-found-since"]').textContent()).toMatch(/found 1 more file that cannot be read/);
    await screenshot(page, 'import-counts-summary');
  });

  it('shows the same figures per class and in total as the gallery', async () => {
    const summary = page.locator('[data-testid="import-classes"]');
    const fromSummary = async (name: string): Promise<number> => num(await summary.locator(`[data-class="${name}"] .num`).textContent());
    const summaryClasses = { cat: await fromSummary('cat'), dog: await fromSummary('dog'), unlabelled: await fromSummary('unlabelled') };
    const readableNow = num(await summary.locator('[data-count="readable-now"]').textContent());
    const summaryText = (await page.locator('[data-testid="import-summary"]').textContent()) ?? '';
    const summaryDuplicates = num(/(\d[\d,]*) duplicates?\b/.exec(summaryText)?.[1] ?? null);
    const unreadableAtImport = num(await page.locator('[data-count="unreadable"]').textContent());
    const foundSince = num(await page.locator('[data-testid="import-found-since"]').textContent());
    const filesInFolder = num(await page.locator('[data-count="files"]').textContent());
    const cardLabelled = num(await page.locator('[data-testid="stat-labelled"]').textContent());

    await page.click('[data-nav="gallery"]');
    await expect.poll(() => page.locator('[data-testid="gallery-total"]').textContent()).toBe('17 images');
    const chip = async (name: string): Promise<number> => num(await page.locator(`.gallery-filters [data-class="${name}"] .num`).textContent());
    const unlabelledChip = num(await page.locator('.gallery-filters .class-row:has(.name:text-is("unlabelled")) .num').textContent());
    const chips = { cat: await chip('cat'), dog: await chip('dog'), unlabelled: unlabelledChip };
    const galleryDuplicates = num(await page.locator('.gallery-filters label:has-text("Duplicates") .num').textContent());
    const galleryUnreadable = num(/\((\d+)\)/.exec((await page.locator('select[aria-label="File status"] option[value="failed"]').textContent()) ?? '')?.[1] ?? null);
    await screenshot(page, 'import-counts-gallery');

    // Per class: readable images, the same in both places (and what the folder holds).
    expect(summaryClasses).toEqual(chips);
    expect(chips).toEqual({ cat: 6, dog: 5, unlabelled: 2 });
    // In total: the chips add up to the summary's readable images, the Projects card's
    // "labelled" to the labelled chips, and readable + unreadable to the gallery's total.
    expect(chips.cat + chips.dog + chips.unlabelled).toBe(readableNow);
    expect(cardLabelled).toBe(chips.cat + chips.dog);
    expect(summaryDuplicates).toBe(galleryDuplicates);
    expect(galleryDuplicates).toBe(2);
    expect(unreadableAtImport + foundSince).toBe(galleryUnreadable);
    expect(readableNow + galleryUnreadable).toBe(filesInFolder);
    expect(num(await page.locator('[data-testid="gallery-total"]').textContent())).toBe(filesInFolder);
    expect(await page.locator('[data-testid="class-counts-say"]').textContent()).toContain('readable images');
  });

  it('a class chip filter shows its readable images plus its unreadable ones, marked', async () => {
    await page.click('.gallery-filters [data-class="dog"]');
    await expect.poll(() => page.locator('[data-testid="gallery-total"]').textContent()).toBe('6 images');
    await expect.poll(() => page.locator('.thumb-tile.failed').count()).toBe(1);
    // The chip says so: 5 readable, and +1 that cannot be read.
    expect(await page.locator('.gallery-filters [data-class="dog"] [data-testid="class-unreadable"]').textContent()).toBe(' +1');
    expect(await page.locator('.gallery-filters [data-class="cat"] [data-testid="class-unreadable"]').textContent()).toBe(' +1');
    await screenshot(page, 'import-counts-class-unreadable');
    expect(errors.filter((e) => !/404/.test(e))).toEqual([]);
  });
});
