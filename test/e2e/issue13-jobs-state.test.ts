/**
 * Issue 13, items 5 and 6, in Chromium through browser mode:
 * 5. an extraction started, the tab closed and opened again: the Jobs panel lists it with
 *    progress, ETA and Cancel; Cancel stops it; a job that ends while the page is open
 *    refreshes the Features card; features extracted by the CLI appear without a reload;
 * 6. opening another project starts every view from that project's state (filters, split
 *    form and message, finished-run panel, sort order, error banners).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { runXstudio } from '../helpers/xstudio-cli.ts';
import { e2eReady, launchBrowser, openStudioPage, screenshot, startStudio, type RunningStudio } from './harness.ts';

const notReady = e2eReady();

describe.skipIf(notReady)('issue 13: jobs and per-project state', () => {
  let studio: RunningStudio;
  let browser: Browser;
  let page: Page;
  const nav = (view: string) => page.click(`[data-nav="${view}"]`);
  const reopenTab = async (): Promise<void> => {
    const context = page.context();
    await page.close();
    page = await context.newPage();
    await page.goto(studio.baseUrl);
    await page.waitForSelector('#app > *');
  };

  beforeAll(async () => {
    // TF.js WebAssembly for extraction: ONNX Runtime extracts 24 images before the test can click
    // Cancel, and the test is about a job still running after the tab was reopened.
    studio = await startStudio({ images: { perClass: 12, size: 64 }, env: { XSTUDIO_BACKEND: 'wasm' } });
    await studio.api('importFolder', { folder: studio.imagesDir, labelSource: 'folder', thumbnails: false });
    await studio.api('createSplit', { name: 'main', unit: 'count', sizes: { train: 12, val: 6, test: 6 }, stratified: true, seed: 3 });
    browser = await launchBrowser();
    page = (await openStudioPage(browser, studio, { width: 1440, height: 900 })).page;
  });
  afterAll(async () => {
    await browser?.close();
    await studio?.stop();
  });

  it('5. lists a job started before the tab was closed, with progress, ETA and Cancel', async () => {
    await nav('training');
    await page.check('[data-testid="random-init"]');
    await page.fill('input[aria-label="Input size"]', '150');
    await page.press('input[aria-label="Input size"]', 'Tab');
    await page.click('[data-testid="start-extraction"]');
    await page.waitForSelector('[data-testid="extraction-progress"]');
    await reopenTab();

    await page.click('[data-testid="jobs-button"]');
    const row = page.locator('[data-testid="job-row"][data-job-kind="extract"]');
    await row.waitFor();
    await expect.poll(() => row.textContent(), { timeout: 60_000 }).toMatch(/\d+ \/ 24 images.*ETA/);
    // The Features card follows the job too, with its own Cancel.
    await nav('training');
    await page.waitForSelector('[data-testid="extraction-progress"]');
    await screenshot(page, 'issue13-5-jobs-panel-after-reopen');

    await page.click('[data-testid="cancel-job-extract"]');
    await page.waitForSelector('[data-testid="job-ended"]:has-text("cancelled")');
    expect(await row.count()).toBe(0);
    expect(await page.locator('[data-testid="extraction-progress"]').count()).toBe(0);
    expect((await studio.api('listJobs')).find((j) => j.kind === 'extract')?.state).toBe('cancelled');
  });

  it('5. a job that ends while the page is open, or the CLI, refreshes the Features card without a reload', async () => {
    await page.check('[data-testid="random-init"]');
    await page.fill('input[aria-label="Input size"]', '71');
    await page.press('input[aria-label="Input size"]', 'Tab');
    await page.click('[data-testid="start-extraction"]');
    await page.waitForSelector('[data-testid="extraction-progress"]');
    await reopenTab();
    await nav('training');
    const latest = page.locator('[data-testid="features-latest"]');
    await expect.poll(() => latest.textContent(), { timeout: 120_000 }).toMatch(/71 px.*24 \/ 24 images/);
    await screenshot(page, 'issue13-5-features-after-job');

    const r = await runXstudio(['extract', '--project', studio.projectFile, '--random-init', '--input-size', '75'], studio.env);
    expect(r.code, r.stderr).toBe(0);
    const cliEnded = Date.now();
    await expect.poll(() => latest.textContent(), { timeout: 10_000 }).toMatch(/75 px.*24 \/ 24 images/);
    console.log(`features extracted by the CLI shown ${Date.now() - cliEnded} ms after it exited`);
    expect(await page.locator('select[aria-label="Features for the run"] option').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('75px')]));
  });

  it('6. opening another project starts every view from its own state', async () => {
    // State in the first project: a class filter and name order reversed, a split form and its message, a finished run.
    await studio.api('startRun', { config: { head: { epochs: 3, hidden: [8] } } });
    await expect.poll(async () => (await studio.api('listRuns'))[0]?.state, { timeout: 60_000 }).toBe('done');
    await nav('gallery');
    await page.click('.gallery-filters [data-class="red"]');
    await expect.poll(() => page.locator('[data-testid="gallery-total"]').textContent()).toBe('12 images');
    await nav('splits');
    await page.click('[data-testid="unit-count"]');
    await page.fill('input[data-part="train"]', '900');
    await page.waitForSelector('[data-testid="split-problem"]');
    await nav('runs');
    await page.locator('[data-testid="runs-table"] tr[data-run]').first().click();
    await page.waitForSelector('[data-testid="evaluate-test"]');
    await nav('training');
    await page.waitForSelector('[data-testid="live-state"]:has-text("done")');

    // Another project, opened from the Projects view.
    const other = path.join(studio.tempDir, 'other.xstudio');
    await nav('projects');
    await page.fill('input[aria-label="New project file"]', other);
    await page.click('button:has-text("Create")');
    await page.locator('.projects-view .view-header').filter({ hasText: other }).waitFor();
    await studio.api('importFolder', { folder: path.join(studio.imagesDir, 'blue'), labelSource: 'folder', thumbnails: false });

    await nav('gallery');
    await expect.poll(() => page.locator('[data-testid="gallery-total"]').textContent()).toBe('12 images');
    expect(await page.locator('.gallery-filters li.active').count()).toBe(0);
    await nav('splits');
    // The form is this project's default, and any message is about this project's images.
    expect(await page.inputValue('input[data-part="train"]')).toBe('70');
    await expect.poll(async () => (await page.locator('[data-testid="split-problem"]').allTextContents()).join(' ')).not.toContain('900');
    await screenshot(page, 'issue13-6-other-project-splits');
    await nav('runs');
    expect(await page.locator('[data-testid="runs-table"]').count()).toBe(0);
    expect(await page.locator('[data-testid="evaluate-test"]').count()).toBe(0);
    await nav('training');
    expect(await page.locator('[data-testid="live-state"]').count()).toBe(0);
    expect(await page.locator('[data-testid="features-latest"]').count()).toBe(0);
    await screenshot(page, 'issue13-6-other-project-training');
  });
});
