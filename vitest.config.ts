import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

// Unit tests live beside the code (src/**/*.test.ts); integration and
// end-to-end tests under test/. Forks, not threads: native modules and tfjs
// backends are happier one per process.
export default defineConfig({
  plugins: [vue()],
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
