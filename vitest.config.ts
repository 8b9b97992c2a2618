import { defineConfig } from 'vitest/config';

// One project per test tier: `unit` needs nothing installed; the heavy tiers need a browser, a Docker
// engine or a Kubernetes cluster and skip with a reason when those are missing (never under CI=true).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['backend/src/**/*.test.ts', 'mcp_server/src/**/*.test.ts', 'scripts/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['frontend/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'docker',
          include: ['tests/docker/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 1_800_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'cluster',
          include: ['tests/cluster/**/*.test.ts'],
          testTimeout: 900_000,
          hookTimeout: 2_400_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
