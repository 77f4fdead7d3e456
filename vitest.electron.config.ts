import { defineConfig } from 'vitest/config';

// The Electron end-to-end suite (test/electron/), run by scripts/test-electron.mjs
// (`npm run test:electron`): one app at a time, generous timeouts (the first
// launch builds caches), and a JUnit report for CI's artefacts.
export default defineConfig({
  test: {
    include: ['test/electron/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    expect: { poll: { timeout: 20_000, interval: 50 } },
    reporters: ['default', 'junit'],
    outputFile: { junit: 'test-results/electron/junit.xml' },
  },
});
