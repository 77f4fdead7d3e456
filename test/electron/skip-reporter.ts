/**
 * A one-line report for `npm test`: the Electron suite (test/electron/) is not
 * part of the default vitest run, which has no display and may have no Electron
 * binary; this line says so and why, instead of the suite vanishing silently.
 * It runs with `npm run test:electron` (vitest.electron.config.ts).
 */
import type { Reporter } from 'vitest/node';
import { electronAbsent } from './presence.ts';

export class ElectronSkipReporter implements Reporter {
  onTestRunEnd(): void {
    const absent = electronAbsent();
    const line = absent
      ? `Electron suite skipped: ${absent}; it runs with \`npm run test:electron\` where Electron is installed`
      : 'Electron suite skipped in this run: it runs with `npm run test:electron` (under xvfb-run on Linux)';
    process.stdout.write(`\n ↓ ${line}\n`);
  }
}
