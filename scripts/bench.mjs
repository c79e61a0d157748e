#!/usr/bin/env node
// `npm run bench -- <name> [args...]` runs bench/<name>.ts with tsx, passing the extra args through.
// An unknown or missing name lists the available benchmarks and exits with code 2.
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { constants } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const benchDir = join(root, 'bench')

const available = readdirSync(benchDir, { withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
  .map((entry) => entry.name.slice(0, -'.ts'.length))
  .sort()

const [name, ...args] = process.argv.slice(2)

if (name === undefined || !available.includes(name)) {
  if (name !== undefined && name !== '--help' && name !== '-h') console.error(`unknown benchmark: ${name}`)
  console.error('usage: npm run bench -- <name> [args...]')
  console.error(`available benchmarks: ${available.join(', ') || '(none)'}`)
  process.exit(2)
}

const child = spawn(process.execPath, ['--import', 'tsx', join(benchDir, `${name}.ts`), ...args], {
  cwd: root,
  stdio: 'inherit',
})

// Ctrl-C / SIGTERM reach the whole foreground process group; the benchmark cleans up its children.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal))
}

child.on('exit', (code, signal) => {
  process.exit(signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 1))
})
