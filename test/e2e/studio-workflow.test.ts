/**
 * The studio as a person uses it, in Chromium through browser mode: create a
 * project, import generated images, relabel by keyboard and undo, make a 3-way
 * split, extract features with a random-init backbone at 71 px, train a small
 * run while its curve updates, train a second one, compare them, export.
 * Each step saves a screenshot under test-results/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { e2eReady, importThroughDialog, launchBrowser, openStudioPage, screenshot, startStudio, type RunningStudio, type StudioPage } from './harness.ts';

const notReady = e2eReady();

describe.skipIf(notReady)('studio workflow in the browser', () => {
  let studio: RunningStudio;
  let browser: Browser;
  let sp: StudioPage;
  let page: Page;
  let projectFile: string;

  beforeAll(async () => {
    studio = await startStudio({ images: { perClass: 10, size: 48 } });
    browser = await launchBrowser();
    sp = await openStudioPage(browser, studio);
    page = sp.page;
    projectFile = path.join(studio.tempDir, 'created.xstudio');
  });
  afterAll(async () => {
    await browser?.close();
    await studio?.stop();
  });

  const nav = (view: string) => page.click(`[data-nav="${view}"]`);

  it('creates a project and imports a folder chosen in the dialog, with labels from folder names', async () => {
    await page.fill('input[aria-label="New project file"]', projectFile);
    await page.click('button:has-text("Create")');
    await page.locator('.projects-view .view-header').filter({ hasText: projectFile }).waitFor();
    expect((await studio.api('getProjectStatus')).file).toBe(projectFile);

    expect(await importThroughDialog(page, studio.imagesDir, 'red')).toContain('20 added');
    await expect.poll(() => page.locator('[data-testid="current-project"]').textContent()).toContain('blue');
    await screenshot(page, 'workflow-1-imported');
  });

  it('relabels the focused image with a number key at once, commits it, and undoes it with Ctrl+Z', async () => {
    await nav('gallery');
    const first = page.locator('.thumb-tile[data-name]').first();
    await first.waitFor();
    const { images: items } = await studio.api('queryImages', { sort: 'name', limit: 1 });
    const id = items[0].id;
    expect(items[0].label).toBe('blue');
    expect(await first.getAttribute('data-label')).toBe('blue');

    await first.click();
    // Classes are in order blue (1), red (2).
    await page.keyboard.press('2');
    expect(await first.getAttribute('data-label')).toBe('red');
    await page.waitForSelector('.thumb-tile[data-name] >> nth=0 >> .label-chip:not(.pending)');
    expect((await studio.api('getImage', { id })).label).toBe('red');
    await screenshot(page, 'workflow-2-relabelled');

    await page.keyboard.press('Control+z');
    await expect.poll(() => first.getAttribute('data-label')).toBe('blue');
    expect((await studio.api('getImage', { id })).label).toBe('blue');

    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Shift+ArrowRight');
    await expect.poll(() => page.locator('[data-testid="selection-count"]').textContent()).toContain('2 selected');
    await page.keyboard.press('Space');
    await page.waitForSelector('[data-testid="preview-label"]');
    await screenshot(page, 'workflow-3-preview');
    await page.keyboard.press('Escape');
    expect(sp.errors.filter((e) => !/404/.test(e))).toEqual([]);
  });

  it('previews the class balance and creates a 3-way split', async () => {
    await nav('splits');
    await page.fill('input[data-part="train"]', '50');
    await page.fill('input[data-part="val"]', '25');
    await page.fill('input[data-part="test"]', '25');
    await expect.poll(() => page.locator('.splits-view table.data').first().textContent()).toContain('Validation5');
    await page.click('[data-testid="create-split"]');
    await page.waitForSelector('[data-testid="split-created"]');
    const [split] = await studio.api('listSplits');
    expect(Object.fromEntries(split.parts.map((p) => [p.part, p.total]))).toEqual({ train: 10, val: 5, test: 5 });
    expect(split.testLocked).toBe(true);
    await screenshot(page, 'workflow-4-split');
  });

  it('extracts features with a random-init backbone at 71 px', async () => {
    await nav('training');
    await page.check('[data-testid="random-init"]');
    await page.fill('input[aria-label="Input size"]', '71');
    await page.press('input[aria-label="Input size"]', 'Tab');
    await page.click('[data-testid="start-extraction"]');
    await page.waitForSelector('text=random weights — demo only', { timeout: 180_000 });
    const features = await studio.api('getFeatureStatus');
    expect(features.backbones[0]).toMatchObject({ inputSize: 71, randomInit: true, images: 20 });
    await screenshot(page, 'workflow-4b-features');
  });

  async function trainRun(name: string, lr: string): Promise<string[]> {
    await page.fill('input[aria-label="Run name"]', name);
    await page.fill('input[aria-label="Epochs"]', '12');
    await page.press('input[aria-label="Epochs"]', 'Tab');
    await page.fill('input[aria-label="Learning rate"]', lr);
    await page.press('input[aria-label="Learning rate"]', 'Tab');
    // Record every epoch count the page shows, to see the curve grow while the run trains.
    // (A string, run in the page: the test's own TypeScript has no DOM types.)
    await page.evaluate(`(() => {
      window.seenEpochs = [];
      new MutationObserver(() => {
        const t = document.querySelector('[data-testid="live-epoch"]')?.textContent;
        if (t && window.seenEpochs.at(-1) !== t) window.seenEpochs.push(t);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    })()`);
    await page.click('[data-testid="start-run"]');
    await page.locator('[data-testid="live-run"] h2').filter({ hasText: `Run ${name}` }).waitFor();
    await page.waitForSelector('[data-testid="live-state"]:has-text("done")', { timeout: 180_000 });
    return page.evaluate('window.seenEpochs') as Promise<string[]>;
  }

  it('trains a small run and draws its curves epoch by epoch', async () => {
    const seen = await trainRun('first', '0.01');
    expect(seen.at(-1)).toBe('12 / 12');
    expect(new Set(seen).size).toBeGreaterThanOrEqual(3);
    expect(await page.locator('[data-testid="live-run"] canvas').count()).toBe(2);
    await screenshot(page, 'workflow-5-trained');
  });

  it('compares two runs: curves overlaid and the configuration difference', async () => {
    await trainRun('second', '0.05');
    await nav('runs');
    await page.waitForSelector('[data-testid="runs-table"] tr[data-run]');
    const runs = await studio.api('listRuns');
    expect(runs.map((r) => r.state)).toEqual(['done', 'done']);
    for (const r of runs) await page.check(`tr[data-run="${r.id}"] input[type="checkbox"]`);
    await page.waitForSelector('[data-testid="comparison"]');
    // Item 10: the diff shows only the settings that differ — the two runs differ in their learning rate alone.
    const diffRows = await page.locator('[data-testid="config-diff"] tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim())));
    expect(diffRows.length).toBe(1);
    expect(diffRows[0][0]).toMatch(/learningRate|lr/);
    expect(diffRows[0].slice(1).sort()).toEqual(['0.01', '0.05']);
    // "dog ≠ cat" captions say which is the label and which the prediction.
    const comparison = await studio.api('compareRuns', { ids: runs.map((r) => r.id) });
    const shown = comparison.disagreements.flatMap((d) => [...d.onlyA, ...d.onlyB]).length;
    const captions = await page.locator('.strip figcaption').allTextContents();
    expect(captions.length).toBe(Math.min(shown, 120));
    for (const c of captions) expect(c).toMatch(/^label (red|blue) · (first|second) said (red|blue)$/);
    await screenshot(page, 'workflow-6-compared');
  });

  it('evaluates a run on the locked test part, counting it, and exports it as a TF.js model', async () => {
    const runs = await studio.api('listRuns');
    await page.uncheck(`tr[data-run="${runs[0].id}"] input[type="checkbox"]`);
    const counter = page.locator('[data-testid="test-counter"]');
    await expect.poll(() => counter.textContent()).toContain('used 0 times');
    await page.click('[data-testid="evaluate-test"]');
    // The test part is locked: the studio asks first, saying how often it was used.
    expect(await page.locator('[data-testid="confirm-test-text"]').textContent()).toContain('used 0 times');
    await page.click('[data-testid="confirm-evaluate-test"]');
    await expect.poll(() => counter.textContent(), { timeout: 60_000 }).toContain('used 1 time');
    expect(await counter.textContent()).toContain('locked');
    await page.waitForSelector('.evaluation h3:has-text("On test")');

    const out = path.join(studio.tempDir, 'exported-tfjs');
    await page.selectOption('select[aria-label="Export format"]', 'tfjs');
    await page.fill('input[aria-label="Export destination"]', out);
    await page.click('[data-testid="export"]');
    await page.waitForSelector('[data-testid="exported"] li', { timeout: 120_000 });
    expect(fs.existsSync(path.join(out, 'model.json'))).toBe(true);
    await screenshot(page, 'workflow-7-exported');
  });

  it('finds suspected label errors and works through them by keyboard', async () => {
    // Two red images labelled blue on purpose.
    const { images: items } = await studio.api('queryImages', { classes: ['red'], limit: 2 });
    await studio.api('setLabel', { imageIds: items.map((i) => i.id), className: 'blue' });
    await nav('suspects');
    await page.fill('input[aria-label="Folds"]', '2');
    await page.click('[data-testid="find-suspects"]');
    const current = page.locator('[data-testid="suspect-current"]');
    await current.waitFor({ timeout: 180_000 });
    await screenshot(page, 'workflow-8-suspects');
    const first = (await current.textContent()) ?? '';
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.suspects-view .list li.done').count()).toBe(1);
    expect((await current.count()) === 0 || (await current.textContent()) !== first).toBe(true);
  });

  it('shows the latest run\'s predictions in the gallery and filters the wrong ones', async () => {
    await nav('gallery');
    await page.click('.gallery-filters button:has-text("Reset filters")');
    await page.waitForSelector('.thumb-tile .prediction:has-text("→")');
    await screenshot(page, 'workflow-9-gallery-predictions');
    const { total: wrong } = await studio.api('queryImages', { correctness: 'wrong', limit: 1 });
    await page.click('[data-testid="filter-wrong"]');
    await expect.poll(() => page.locator('[data-testid="gallery-total"]').textContent()).toBe(`${wrong} ${wrong === 1 ? 'image' : 'images'}`);
    await screenshot(page, 'workflow-10-gallery-wrong');
  });
});
