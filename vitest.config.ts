import { defineConfig } from 'vitest/config'

// Tiers: *.test.ts = unit, *.int.test.ts = integration (real server, ephemeral port),
// *.e2e.test.ts = end-to-end (real Chromium / Node peers), *.lab.test.ts = network lab (namespaces).
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'scripts/test/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/*.e2e.test.ts', '**/*.lab.test.ts', '**/node_modules/**'],
        },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['packages/*/test/**/*.int.test.ts'], testTimeout: 30_000 },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: [
            'packages/*/test/**/*.e2e.test.ts',
            'apps/*/test/**/*.e2e.test.ts',
            'test/**/*.e2e.test.ts',
          ],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'lab',
          include: ['packages/*/test/**/*.lab.test.ts', 'apps/*/test/**/*.lab.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
