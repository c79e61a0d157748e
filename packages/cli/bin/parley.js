#!/usr/bin/env node
// `parley` command: runs the bundle built by scripts/build.mjs (npm install / npm run build).
import { existsSync } from 'node:fs'

const bundle = new URL('../dist/parley.js', import.meta.url)
if (!existsSync(bundle)) {
  process.stderr.write('parley: the CLI is not built yet; run `npm run build` in the Parley repository\n')
  process.exit(1)
}
await import(bundle.href)
