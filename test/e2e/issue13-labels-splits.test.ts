/**
 * Issue 13, items 7 and 8 (and the natural name order of item 10), in Chromium
 * through browser mode, on 2 × 60 generated images named cat.N.jpg / dog.N.jpg:
 * 7. Percent / Image counts keeps a 4000/2000/10000 request's proportions (not 1333.3 %),
 *    says why, and the Test box shows "10000" whole;
 * 8. undo of the import's 120 labels asks first, then says what it did; the "dog" filter
 *    naming a class that is gone is cleared with a note; the preview follows a relabel in it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { writeMobileNetLike } from '../helpers/mobilenet-like.ts';
import { e2eReady, launchBrowser, openStudioPage, screenshot, startStudio, type RunningStudio } from './harness.ts';

const notReady = e2eReady();

describe.skipIf(notReady)('issue 13: splits toggle and undo', () => {
  let studio: RunningStudio;
  let browser: Browser;
  let page: Page;
  const nav = (view: string) => page.click(`[data-nav="${view}"]`);
  const total = () => page.locator('[data-testid="gallery-total"]').textContent();

  beforeAll(async () => {
    studio = await startStudio({ images: { classes: { cat: [200, 120, 40], dog: [60, 90, 200] }, perClass: 60, size: 24, layout: 'flat' } });
    browser = await launchBrowser();
    page = (await openStudioPage(browser, studio, { width: 1440, height: 900 })).page;
  });
  afterAll(async () => {
    await browser?.close();
    await studio?.stop();
  });

  it('imports with labels from file names, and the gallery sorts names naturally', async () => {
    // The folder the dialog lists on opening answers late, after the folder typed
    // (as on a loaded machine): the dialog keeps the folder asked for last.
    let listings = 0;
    let answered = 0;
    await page.route('**/api/listFolder', async (route) => {
      if (listings++ === 0) await new Promise((r) => setTimeout(r, 1500));
      await route.continue();
    });
    page.on('response', (r) => {
      if (r.url().includes('/api/listFolder')) answered++;
    });
    await page.click('[data-testid="open-import"]');
    await page.fill('input[aria-label="Folder path"]', studio.imagesDir);
    await page.press('input[aria-label="Folder path"]', 'Enter');
    await page.click('label.source:has-text("File name prefix")');
    await expect.poll(() => answered).toBe(2);
    await page.unroute('**/api/listFolder');
    expect(await page.locator('input[aria-label="Folder path"]').inputValue()).toBe(studio.imagesDir);
    await expect.poll(() => page.locator('[data-testid="start-import"]').textContent()).toBe('Import images');
    await page.click('[data-testid="start-import"]');
    const summary = page.locator('[data-testid="import-summary"]');
    await summary.waitFor();
    expect(await summary.textContent()).toContain('120 added');
    await nav('gallery');
    await expect.poll(total).toBe('120 images');
    // Natural order: cat.2 before cat.10.
    const names = await page.locator('.thumb-tile[data-name]').evaluateAll((els) => els.slice(0, 12).map((e) => e.getAttribute('data-name')));
    expect(names.slice(0, 3)).toEqual(['cat.0.jpg', 'cat.1.jpg', 'cat.2.jpg']);
    expect(names.indexOf('cat.10.jpg')).toBe(10);
  });

  it('8. undo of 120 labels asks first, says what it did, and clears a filter on a class that is gone', async () => {
    await page.click('.gallery-filters [data-class="dog"]');
    await expect.poll(total).toBe('60 images');
    await page.locator('.thumb-tile[data-name]').first().click();
    await page.keyboard.press('Control+z');
    const ask = page.locator('[data-testid="confirm-undo-text"]');
    await ask.waitFor();
    expect(await ask.textContent()).toContain('120 images');
    await screenshot(page, 'issue13-8-undo-asks');
    // Nothing changed while it asks.
    expect((await studio.api('getProjectStatus')).images.labelled).toBe(120);
    await page.click('[data-testid="confirm-undo"]');
    const note = page.locator('[data-testid="gallery-notice"]');
    await note.waitFor();
    const text = (await note.textContent()) ?? '';
    expect(text).toMatch(/^Undid: labels from .*, 120 images\./);
    expect(text).toContain('The filter on “dog” was cleared');
    await expect.poll(total).toBe('120 images');
    expect(await page.locator('.gallery-filters li.active').count()).toBe(0);
    await screenshot(page, 'issue13-8-undo-said');

    await page.keyboard.press('Control+Shift+z');
    await page.waitForSelector('[data-testid="confirm-undo"]');
    await page.click('[data-testid="confirm-undo"]');
    await expect.poll(() => note.textContent()).toMatch(/^Redid: labels from .*, 120 images\./);
    expect((await studio.api('getProjectStatus')).images.labelled).toBe(120);
  });

  it('8. the preview shows a relabel made in it, with its history', async () => {
    await page.locator('.thumb-tile[data-name="cat.3.jpg"]').click();
    await page.keyboard.press(' ');
    const label = page.locator('[data-testid="preview-label"]');
    await expect.poll(() => label.textContent()).toContain('cat');
    await page.keyboard.press('2');
    await expect.poll(() => label.textContent()).toContain('dog');
    await expect.poll(() => page.locator('.history li').count()).toBe(2);
    await expect.poll(() => page.locator('.history li').last().textContent()).toContain('dog');
    await screenshot(page, 'issue13-8-preview-relabelled');
    await page.keyboard.press('Escape');
  });

  it('7. Percent / Image counts keeps 4000/2000/10000 as proportions, and shows 10000 whole', async () => {
    await nav('splits');
    await page.click('[data-testid="unit-count"]');
    await page.fill('input[data-part="train"]', '4000');
    await page.fill('input[data-part="val"]', '2000');
    await page.fill('input[data-part="test"]', '10000');
    const box = page.locator('input[data-part="test"]');
    expect(await box.evaluate((e) => (e as HTMLInputElement).scrollWidth <= (e as HTMLInputElement).clientWidth)).toBe(true);
    await screenshot(page, 'issue13-7-counts');
    await page.click('button:has-text("Percent")');
    expect(await page.inputValue('input[data-part="train"]')).toBe('25');
    expect(await page.inputValue('input[data-part="val"]')).toBe('12.5');
    expect(await page.inputValue('input[data-part="test"]')).toBe('62.5');
    expect(await page.locator('[data-testid="unit-note"]').textContent()).toMatch(/16,000 images were asked for but \d+ can go in a split/);
    expect(await page.locator('text=more than 100%').count()).toBe(0);
    await expect.poll(() => page.locator('[data-testid="split-problem"]').count()).toBe(0);
    await screenshot(page, 'issue13-7-percent');
  });

  it('chooses the feature extractor in the UI: a TF.js layers model by its model.json', async () => {
    const modelJson = await writeMobileNetLike(path.join(studio.tempDir, 'mobilenet-like'), { inputSize: 32 });
    await nav('training');
    await page.selectOption('[data-testid="backbone-choice"]', 'layers-model');
    expect(await page.locator('[data-testid="random-init"]').count()).toBe(0);
    expect(await page.isDisabled('[data-testid="start-extraction"]')).toBe(true);
    // A model.json that is not there: the error names the box and the file, in the UI's words.
    const missing = path.join(studio.tempDir, 'no-such-model', 'model.json');
    await page.fill('input[aria-label="Model JSON file"]', missing);
    await page.selectOption('select[aria-label="Preprocessing"]', 'unit');
    await page.fill('input[aria-label="Input size"]', '32');
    await page.press('input[aria-label="Input size"]', 'Tab');
    await page.click('[data-testid="start-extraction"]');
    const failed = page.locator('.error-notice', { hasText: 'Extraction failed' });
    await failed.waitFor();
    expect(await failed.textContent()).toContain(`model.json: ${missing} does not exist`);
    expect(await failed.textContent()).not.toContain('modelJson');
    await screenshot(page, 'issue13-backbone-missing-model');
    await page.fill('input[aria-label="Model JSON file"]', modelJson);
    await page.click('[data-testid="start-extraction"]');
    const latest = page.locator('[data-testid="features-latest"]');
    await expect.poll(() => latest.textContent(), { timeout: 120_000 }).toMatch(/at 32 px/);
    const features = await studio.api('getFeatureStatus');
    expect(features.backbones[0]).toMatchObject({ kind: 'layers-model', inputSize: 32, randomInit: false });
    expect(await latest.textContent()).toContain(features.backbones[0].name);
    // The run form offers it by name.
    expect(await page.locator('select[aria-label="Features for the run"] option').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining(features.backbones[0].name)]));
    await screenshot(page, 'issue13-backbone-layers-model');
  });

  it('one picker chooses every built-in backbone: its weights, its facts, its features (MobileNetV2, random init)', async () => {
    const picker = page.locator('[data-testid="backbone-choice"]');
    const offered = await picker.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(offered).toEqual(['xception', 'mobilenet_v2', 'resnet50', 'efficientnet_b0', 'layers-model']);
    // There is one choice of extractor on the view, not two selects for it.
    expect(await page.locator('.training-view select[aria-label="Backbone"]').count()).toBe(0);
    await picker.selectOption('mobilenet_v2');
    expect(await page.locator('[data-testid="weights-for"]').textContent()).toContain('MobileNetV2');
    const files = await page.locator('.weights-file .file-name').allTextContents();
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f).toMatch(/mobilenet_v2/);
    // Item 10: two weights files with long names can be told apart — each name shown whole (wrapped, not cut).
    expect(new Set(files).size).toBe(files.length);
    const cut = await page.locator('.weights-file .file-name').evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).length);
    expect(cut).toBe(0);
    expect(await page.locator('[data-testid="fetch-weights"]').textContent()).toContain('MobileNetV2');
    expect(await page.locator('[data-testid="extractor-facts"]').textContent()).toMatch(/224 px native.*1280 features per image/);
    expect(await page.inputValue('input[aria-label="Input size"]')).toBe('224');
    // The Backend card says which engine does which work.
    const { engineLabels } = await studio.api('getBackend');
    expect(engineLabels).toEqual({ inference: 'CPU (ONNX Runtime)', training: 'CPU (WebAssembly) — slow' });
    expect(await page.locator('[data-testid="engines"]').textContent()).toMatch(/Inference\s*CPU \(ONNX Runtime\).*Training\s*CPU \(WebAssembly\) — slow/s);
    await screenshot(page, 'issue13-backbone-mobilenet');
    // Without weights it asks for them; a random init is offered for a demo.
    expect(await page.isDisabled('[data-testid="start-extraction"]')).toBe(true);
    await page.check('[data-testid="random-init"]');
    await page.fill('input[aria-label="Input size"]', '96');
    await page.press('input[aria-label="Input size"]', 'Tab');
    await page.click('[data-testid="start-extraction"]');
    const latest = page.locator('[data-testid="features-latest"]');
    await expect.poll(() => latest.textContent(), { timeout: 120_000 }).toMatch(/MobileNetV2.*at 96 px, 1280-d/);
    expect(await latest.textContent()).toContain('random weights');
    // Images covered, not contents: this folder holds copies of the same pictures, and every image has its feature.
    expect(await latest.textContent()).toContain('120 / 120 images');
    // Both feature sets are listed, each with its backbone; the run form offers both by name.
    expect(await page.locator('[data-testid="feature-sets"] li').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('MobileNetV2'), expect.stringContaining('32 px')]));
    expect(await page.locator('select[aria-label="Features for the run"] option').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/MobileNetV2.*96px \(random\)/)]));
    // A TF.js layers model has no weights to fetch: the weights card says so.
    await picker.selectOption('layers-model');
    expect(await page.locator('[data-testid="weights-own"]').isVisible()).toBe(true);
    expect(await page.locator('[data-testid="fetch-weights"]').count()).toBe(0);
    await picker.selectOption('xception');
    expect(await page.inputValue('input[aria-label="Input size"]')).toBe('299');
    await page.setViewportSize({ width: 1920, height: 1200 });
    await screenshot(page, 'issue13-backbone-1920');
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('deletes a project from the Projects view (never its images, never the open one)', async () => {
    const other = path.join(studio.tempDir, 'second.xstudio');
    await nav('projects');
    await page.fill('input[aria-label="New project file"]', other);
    await page.click('button:has-text("Create")');
    await page.locator('.projects-view .view-header').filter({ hasText: other }).waitFor();
    // The open project offers no delete.
    expect(await page.locator('[data-recent="second"] button[aria-label^="Delete"]').count()).toBe(0);
    expect(fs.existsSync(`${studio.projectFile}.d`)).toBe(true);
    await page.click('[data-recent="project"] button[aria-label="Delete project project"]');
    expect(await page.locator('[data-testid="delete-project-text"]').textContent()).toContain('Your images are not touched');
    await screenshot(page, 'issue13-delete-project-asks');
    await page.click('[data-testid="confirm-delete-project"]');
    await expect.poll(() => page.locator('[data-recent="project"]').count()).toBe(0);
    expect(fs.existsSync(studio.projectFile)).toBe(false);
    expect(fs.existsSync(`${studio.projectFile}.d`)).toBe(false);
    expect(fs.readdirSync(studio.imagesDir).length).toBe(120);
    await expect(studio.api('deleteProject', { file: other })).rejects.toThrow(/open project/);
  });
});
