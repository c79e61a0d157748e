/** Keeps the Parley server bundle (packages/server/dist/main.js) at least as new as its sources. */
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  return newest
}

/** Runs scripts/build.mjs unless packages/server/dist/main.js is newer than the server and protocol sources. */
export function ensureParleyServerBuilt(root: string, log: (message: string) => void): void {
  const bundle = join(root, 'packages/server/dist/main.js')
  const sources = Math.max(
    newestMtime(join(root, 'packages/server/src')),
    newestMtime(join(root, 'packages/protocol/src')),
  )
  let built = 0
  try {
    built = statSync(bundle).mtimeMs
  } catch {
    // not built yet
  }
  if (built > sources) return
  log('building the Parley server (scripts/build.mjs)')
  const result = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], {
    cwd: root,
    stdio: ['ignore', 2, 2],
  })
  if (result.status !== 0) throw new Error('scripts/build.mjs failed')
}
