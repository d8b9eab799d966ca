import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: the linear-algebra and network tests are CPU-bound, so run files in parallel
    // but never more workers than cores.
    maxWorkers: 2,
  },
});
