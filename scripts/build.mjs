#!/usr/bin/env node
import { spawnSync } from 'node:child_process'
// Builds every runnable artifact: Node bundles (server, CLI), the browser SDK bundle, the web app.
// Workspace packages are bundled from their TypeScript sources; npm dependencies stay external.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const at = (p) => join(root, p)

/** @type {import('esbuild').BuildOptions[]} */
const targets = [
  {
    entryPoints: [at('packages/server/src/main.ts')],
    outfile: at('packages/server/dist/main.js'),
    platform: 'node',
    packages: 'external',
  },
  {
    entryPoints: [at('packages/cli/src/main.ts')],
    outfile: at('packages/cli/dist/parley.js'),
    platform: 'node',
    packages: 'external',
  },
  {
    entryPoints: [at('packages/client/src/index.ts')],
    outfile: at('packages/client/dist/parley-client.browser.js'),
    platform: 'browser',
    minify: false,
  },
]

const workspaceAlias = {
  '@parley/protocol': at('packages/protocol/src/index.ts'),
  '@parley/client': at('packages/client/src/index.ts'),
  '@parley/server': at('packages/server/src/index.ts'),
}

for (const target of targets) {
  const entry = /** @type {string[]} */ (target.entryPoints)[0]
  if (!existsSync(entry)) continue
  await build({
    bundle: true,
    format: 'esm',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'warning',
    alias: workspaceAlias,
    ...target,
    // workspace packages are bundled even when other packages stay external
    ...(target.packages === 'external' ? { packages: undefined, external: externalDependencies() } : {}),
  })
}

if (existsSync(at('apps/web/vite.config.ts'))) {
  const result = spawnSync(
    process.execPath,
    [at('node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'],
    {
      cwd: at('apps/web'),
      stdio: 'inherit',
    },
  )
  if (result.status !== 0) process.exit(result.status ?? 1)
}

function externalDependencies() {
  // Every npm dependency (not our workspaces) stays external to Node bundles.
  return [
    'ws',
    'pino',
    'pino-*',
    'prom-client',
    'jose',
    'valibot',
    'node-datachannel',
    'node-datachannel/*',
    'ioredis',
  ]
}
