import { configDefaults, defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';
import { ElectronSkipReporter } from './test/electron/skip-reporter.ts';

// Unit tests live beside the code (src/**/*.test.ts); integration and
// end-to-end tests under test/. Forks, not threads: native modules and tfjs
// backends are happier one per process. The Electron suite (test/electron/)
// needs Electron's binary and a display: it has its own run
// (vitest.electron.config.ts, `npm run test:electron`) and is reported here in one line.
export default defineConfig({
  plugins: [vue()],
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'test/electron/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // expect.poll's default (1 s) is shorter than a loaded CI machine takes to list a
    // folder or finish a request; a poll that waits for what the user would wait for
    // gets the same patience as a Playwright action, and still returns at the first match.
    expect: { poll: { timeout: 20_000, interval: 50 } },
    reporters: ['default', new ElectronSkipReporter()],
  },
});
