/**
 * Issue 13, the broken flows a new user hit, each followed step by step in
 * Chromium through browser mode and checked on the screen:
 * 1. after a folder error the import dialog imports nothing, and never the studio's own side folders;
 * 2. the Runs list keeps its height with a run selected (1440 × 900 and 1920 × 1200);
 * 3. every run field is checked as typed, its message beside it, all at once, in words;
 * 4. a 1,500-epoch run's live curves keep the page responsive (no main-thread task over 50 ms),
 *    the chart spans the epochs run and the panel names the best epoch the run keeps.
 * One server and one browser for the file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { e2eReady, launchBrowser, openStudioPage, screenshot, startStudio, type RunningStudio } from './harness.ts';

const notReady = e2eReady();

async function waitJob(studio: RunningStudio, jobId: string): Promise<void> {
  for (;;) {
    const job = (await studio.api('listJobs')).find((j) => j.id === jobId);
    if (!job || job.state === 'done') return;
    if (job.state === 'failed' || job.state === 'cancelled') throw new Error(`job ${jobId} ${job.state}: ${job.error?.message}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(notReady)('issue 13: broken flows', () => {
  let studio: RunningStudio;
  let browser: Browser;
  let page: Page;
  const nav = (view: string) => page.click(`[data-nav="${view}"]`);

  beforeAll(async () => {
    studio = await startStudio({ images: { perClass: 8, size: 40 } });
    browser = await launchBrowser();
    page = (await openStudioPage(browser, studio, { width: 1440, height: 900 })).page;
  });
  afterAll(async () => {
    await browser?.close();
    await studio?.stop();
  });

  it('1. after a folder error the dialog imports nothing, and never a side folder', async () => {
    const folder = path.join(studio.tempDir, 'projects');
    fs.mkdirSync(folder);
    // Another project in the same folder, with thumbnails in its side folder.
    await studio.api('createProject', { file: path.join(folder, 'first.xstudio') });
    await studio.api('importFolder', { folder: studio.imagesDir, labelSource: 'folder', thumbnails: false });
    await waitJob(studio, (await studio.api('makeThumbnails')).jobId);
    expect(fs.readdirSync(path.join(folder, 'first.xstudio.d', 'thumbs')).length).toBeGreaterThan(0);

    const second = path.join(folder, 'second.xstudio');
    await page.fill('input[aria-label="New project file"]', second);
    await page.click('button:has-text("Create")');
    await page.locator('.projects-view .view-header').filter({ hasText: second }).waitFor();
    await page.click('[data-testid="open-import"]');
    await page.waitForSelector('.folder-browser .entries');
    const button = page.locator('[data-testid="start-import"]');
    await expect.poll(() => button.textContent()).toBe('Import projects');

    await page.fill('input[aria-label="Folder path"]', path.join(folder, 'no-such-folder'));
    // Typed but not opened: the button does not offer the folder still listed.
    await expect.poll(() => button.isDisabled()).toBe(true);
    await page.press('input[aria-label="Folder path"]', 'Enter');
    await page.waitForSelector('[data-testid="folder-error"]');
    expect(await page.locator('[data-testid="folder-error"]').textContent()).toContain('does not exist');
    expect((await button.textContent())?.trim()).toBe('Import');
    expect(await button.isDisabled()).toBe(true);
    await screenshot(page, 'issue13-1-folder-error');

    // The project's own folder, chosen again: its side folders are not images.
    await page.fill('input[aria-label="Folder path"]', folder);
    await page.press('input[aria-label="Folder path"]', 'Enter');
    await expect.poll(() => button.textContent()).toBe('Import projects');
    await button.click();
    const summary = page.locator('[data-testid="import-summary"]');
    await summary.waitFor();
    expect(await summary.textContent()).toContain('0 added');
    const status = await studio.api('getProjectStatus');
    expect(status.images.total).toBe(0);
    expect(status.classes).toEqual([]);
    // Asked for a side folder itself, the core refuses, in words.
    await expect(studio.api('importFolder', { folder: path.join(folder, 'first.xstudio.d'), labelSource: 'folder' })).rejects.toThrow(/side folder/);
    await screenshot(page, 'issue13-1-side-folders-skipped');
  });

  it('3. checks every run field as it is typed, each message beside its field', async () => {
    // The project the rest of the file uses: imported, split, features at 71 px.
    await studio.api('openProject', { file: studio.projectFile });
    await studio.api('importFolder', { folder: studio.imagesDir, labelSource: 'folder', thumbnails: false });
    await studio.api('createSplit', { name: 'default', unit: 'count', sizes: { train: 8, val: 4, test: 4 }, stratified: true, seed: 1 });
    await waitJob(studio, (await studio.api('startExtraction', { backbone: 'xception', randomInit: true, inputSize: 71, batchSize: 8 })).jobId);
    await page.reload();
    await page.waitForSelector('#app > *');
    await nav('training');
    await page.waitForSelector('[data-testid="start-run"]');

    await page.fill('input[aria-label="Dropout"]', '7');
    await page.fill('input[aria-label="Learning rate"]', 'abc');
    await page.fill('input[aria-label="Epochs"]', '-5');
    await page.fill('input[aria-label="Hidden layers"]', 'abc, -3');
    await page.click('[data-testid="start-run"]');
    const fieldError = (id: string) => page.locator(`[data-field-error="${id}"]`).textContent();
    expect(await fieldError('dropout')).toBe('Dropout is a fraction between 0 and 0.95, like 0.5.');
    expect(await fieldError('lr')).toContain('learning rate is a number above 0');
    expect(await fieldError('epochs')).toContain('whole number from 1');
    expect(await fieldError('hidden')).toContain('whole numbers of units');
    // What was typed stays as typed; nothing became 0 or empty.
    expect(await page.inputValue('input[aria-label="Learning rate"]')).toBe('abc');
    expect(await page.inputValue('input[aria-label="Hidden layers"]')).toBe('abc, -3');
    expect(await page.locator('[data-testid="form-problems"]').textContent()).toContain('4 settings need fixing');
    expect(await page.locator('text=startRun config').count()).toBe(0);
    expect((await studio.api('listRuns')).length).toBe(0);
    // Each message sits beside its own field, not at the top of the form.
    const fieldBox = await page.locator('input[aria-label="Epochs"]').boundingBox();
    const msgBox = await page.locator('[data-field-error="epochs"]').boundingBox();
    expect(Math.abs(msgBox!.x - fieldBox!.x)).toBeLessThan(4);
    expect(msgBox!.y - (fieldBox!.y + fieldBox!.height)).toBeLessThan(12);
    await screenshot(page, 'issue13-3-field-errors');

    await page.fill('input[aria-label="Dropout"]', '0.3');
    await page.fill('input[aria-label="Learning rate"]', '0.05');
    await page.fill('input[aria-label="Epochs"]', '1500');
    await page.fill('input[aria-label="Hidden layers"]', '16');
    expect(await page.locator('[data-field-error]').count()).toBe(0);
    expect(await page.locator('[data-testid="form-problems"]').count()).toBe(0);
  });

  it('4. a 1,500-epoch run keeps the page responsive; the chart spans the epochs run; the best epoch is named', async () => {
    await page.evaluate(() => {
      const w = window as unknown as { longestTask: number; tasks: number[] };
      w.longestTask = 0;
      w.tasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          w.longestTask = Math.max(w.longestTask, e.duration);
          w.tasks.push(Math.round(e.startTime), Math.round(e.duration));
        }
      }).observe({ type: 'longtask', buffered: false });
    });
    // Batch size 1: eight batch events an epoch, 12,000 in the run, as a real data set sends.
    await page.fill('input[aria-label="Batch size"]', '1');
    const cdp = process.env.PROFILE13 ? await page.context().newCDPSession(page) : null;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }
    await page.click('[data-testid="start-run"]');
    await page.waitForSelector('[data-testid="live-state"]:has-text("running")', { timeout: 60_000 });
    // A trivial script answers at once while the curves draw (it took 14 s before).
    let slowestScript = 0;
    while ((await page.locator('[data-testid="live-state"]').textContent()) !== 'done') {
      const t0 = Date.now();
      await page.evaluate(() => 1 + 1);
      slowestScript = Math.max(slowestScript, Date.now() - t0);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(slowestScript).toBeLessThan(500);
    const [run] = await studio.api('listRuns');
    expect(run.state).toBe('done');
    if (cdp) {
      await new Promise((r) => setTimeout(r, 1500));
      const { profile } = await cdp.send('Profiler.stop');
      fs.writeFileSync('/tmp/issue13.cpuprofile', JSON.stringify(profile));
    }
    // Within a moment of the server finishing, the panel shows the whole run.
    await expect.poll(() => page.locator('[data-testid="live-epoch"]').textContent()).toBe('1500 / 1500');
    const best = await page.locator('[data-testid="best-epoch"]').textContent();
    expect(best).toContain(`epoch ${run.bestEpoch}`);
    expect(best).toContain('keeps the weights of its best epoch');
    const longest = await page.evaluate(() => (window as unknown as { longestTask: number }).longestTask);
    // Long tasks are wall time: on a machine running more than a job per core a 10 ms task
    // can be preempted past 50 ms, so there the bound is looser (`npm run bench -- ui` reports the figure).
    const busy = os.loadavg()[0] > os.availableParallelism();
    console.log(`longest main-thread task during the 1,500-epoch run: ${longest.toFixed(0)} ms (load ${os.loadavg()[0].toFixed(1)}), slowest trivial script ${slowestScript} ms`);
    expect(longest).toBeLessThanOrEqual(busy ? 200 : 50);
    await screenshot(page, 'issue13-4-long-run');

    // An early-stopped run: the x axis ends at the last epoch run.
    await page.fill('input[aria-label="Epochs"]', '400');
    await page.fill('input[aria-label="Early stopping patience"]', '3');
    await page.fill('input[aria-label="Learning rate"]', '0.5');
    await page.click('[data-testid="start-run"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="live-run"] h2')?.textContent?.includes('2') ?? false);
    await page.waitForSelector('[data-testid="live-state"]:has-text("done")', { timeout: 120_000 });
    const runs = await studio.api('listRuns');
    const early = await studio.api('getRun', { id: Math.max(...runs.map((r) => r.id)) });
    expect(early.curve.length).toBeLessThan(400);
    await page.waitForSelector('text=Stopped early');
    await screenshot(page, 'issue13-4-early-stopped');
  });

  it('2. the Runs list keeps its height with a run selected, at 1440 × 900 and 1920 × 1200', async () => {
    await nav('runs');
    await page.waitForSelector('[data-testid="runs-table"] tr[data-run]');
    await page.locator('[data-testid="runs-table"] tr[data-run]').first().click();
    await page.waitForSelector('[data-testid="evaluate-test"]');
    for (const size of [{ width: 1440, height: 900 }, { width: 1920, height: 1200 }]) {
      await page.setViewportSize(size);
      const box = await page.locator('.table-panel').boundingBox();
      // Header and every row visible: well above the 14 px sliver.
      const rows = await page.locator('[data-testid="runs-table"] tr[data-run]').count();
      expect(box!.height).toBeGreaterThan(40 + 30 * rows);
      expect(await page.locator('[data-testid="runs-table"] tr[data-run]').nth(rows - 1).isVisible()).toBe(true);
      await screenshot(page, `issue13-2-runs-selected-${size.width}x${size.height}`);
    }
    // The selection can still be changed: a second run added, both compared.
    await page.locator('[data-testid="runs-table"] tr[data-run]').nth(1).click();
    await page.waitForSelector('[data-testid="comparison"]');
    expect(await page.locator('[data-testid="runs-table"] tr.selected').count()).toBe(2);
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('Try it: picks a folder, classifies it with a run and with an exported model, and shows each image', async () => {
    await nav('runs');
    const panel = page.locator('[data-testid="try-it"]');
    // It opens beside the project's photos: the folder that holds the imported one.
    await expect.poll(() => panel.locator('input[aria-label="Folder path"]').inputValue()).toBe(path.dirname(studio.imagesDir));
    await panel.locator(`.entry:has-text("${path.basename(studio.imagesDir)}")`).waitFor();
    await panel.locator('input[aria-label="Folder path"]').fill(path.join(studio.imagesDir, 'red'));
    await panel.locator('input[aria-label="Folder path"]').press('Enter');
    await panel.locator('.entry:has-text("red.1.jpg")').waitFor();
    await panel.locator('[data-testid="try-pick-folder"]').click();
    await panel.locator('input[aria-label="Folder path"]').fill(path.join(studio.imagesDir, 'blue'));
    await panel.locator('input[aria-label="Folder path"]').press('Enter');
    await panel.locator('.entry:has-text("blue.2.jpg")').click();
    expect(await panel.locator('[data-testid="try-picked"] li').count()).toBe(2);
    const runs = await studio.api('listRuns');
    const run = runs.find((r) => r.state === 'done')!;
    await panel.locator('select[aria-label="Run to try"]').selectOption(String(run.id));
    await panel.locator('[data-testid="try-classify"]').click();
    const results = panel.locator('[data-testid="try-result"]');
    await expect.poll(() => results.count(), { timeout: 240_000 }).toBe(9);
    const labels = await panel.locator('[data-testid="try-label"]').allTextContents();
    expect(labels.every((l) => l === 'red' || l === 'blue')).toBe(true);
    // Each image is shown (its thumbnail loaded).
    await expect.poll(() => results.locator('img').evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0))).toBe(true);
    await screenshot(page, 'issue13-try-it-run');

    // The same images through the exported model folder the run was prepared as.
    await panel.locator('label:has-text("An exported model") input').check();
    await panel.locator('input[aria-label="Exported model"]').fill(path.join(`${studio.projectFile}.d`, 'runs', String(run.id), 'try-it-tfjs'));
    await panel.locator('[data-testid="try-classify"]').click();
    await expect.poll(() => panel.locator('[data-testid="try-results"] p').textContent(), { timeout: 120_000 }).toContain('try-it-tfjs');
    expect(await panel.locator('[data-testid="try-label"]').allTextContents()).toEqual(labels);
    // The core's call refuses both or neither source, in words.
    await expect(studio.api('predictImages', { files: [studio.imagesDir] })).rejects.toThrow(/exactly one of runId/);
  });

  it('9. Suspects shows the stored list after a reload; a skip is "for later", a confirm is reviewed', async () => {
    const { images: items } = await studio.api('queryImages', { classes: ['red'], limit: 2 });
    await studio.api('setLabel', { imageIds: items.map((i) => i.id), className: 'blue' });
    const found = await studio.api('findSuspects', { folds: 2 });
    expect(found.items.length).toBeGreaterThan(1);
    await page.reload();
    await page.waitForSelector('#app > *');
    await nav('suspects');
    await page.waitForSelector('[data-testid="suspect-current"]');
    expect(await page.locator('text=Needs extracted features and labels').count()).toBe(0);
    const progress = page.locator('[data-testid="suspects-progress"]');
    await expect.poll(() => progress.textContent()).toContain(`0 / ${found.items.length} reviewed`);
    await page.keyboard.press('s');
    await expect.poll(() => progress.textContent()).toContain('1 skipped for later');
    expect(await progress.textContent()).toContain(`0 / ${found.items.length} reviewed`);
    await page.keyboard.press('c');
    await expect.poll(() => progress.textContent()).toContain(`1 / ${found.items.length} reviewed (0 relabelled, 1 confirmed)`);
    await screenshot(page, 'issue13-9-suspects-resumed');
  });

  it('screenshots of every view at 1440 × 900 and 1920 × 1200', async () => {
    for (const size of [{ width: 1440, height: 900 }, { width: 1920, height: 1200 }]) {
      await page.setViewportSize(size);
      for (const view of ['projects', 'gallery', 'splits', 'training', 'runs', 'suspects']) {
        await nav(view);
        await page.waitForTimeout(400);
        await screenshot(page, `issue13-view-${view}-${size.width}x${size.height}`);
      }
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  });
});
