import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Installs the pinned Claude Code for the real-client tests (test/real/) when it is missing.
    globalSetup: ['test/real/global-setup.ts'],
    // Integration tests start real tmux servers and server processes; two cores here.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
