import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const guard = join(dirname(fileURLToPath(import.meta.url)), '..', 'hang-guard.mjs')
const run = (...args: string[]) =>
  spawnSync(process.execPath, [guard, ...args], { encoding: 'utf8', timeout: 30_000 })

describe('scripts/hang-guard.mjs', () => {
  it('passes a command’s output and exit code through', () => {
    const r = run('--', process.execPath, '-e', 'console.log("out"); console.error("err"); process.exit(3)')
    expect(r.status).toBe(3)
    expect(r.stdout).toBe('out\n')
    expect(r.stderr).toBe('err\n')
  })

  it('a command silent for longer than --quiet-minutes: describes the processes under it (with node threads), stops them, exits 124', () => {
    const r = run(
      '--quiet-minutes',
      '0.02',
      '--',
      process.execPath,
      '-e',
      'console.log("started"); setInterval(() => {}, 1000)',
    )
    expect(r.status).toBe(124)
    expect(r.stdout).toBe('started\n')
    expect(r.stderr).toMatch(/no output for 0\.02 min/)
    expect(r.stderr).toMatch(/\d+ S wchan=\S+ .*setInterval/)
    expect(r.stderr).toMatch(/thread \d+ node S/)
  })

  it('rejects a missing command or a bad --quiet-minutes with exit 2', () => {
    expect(run().status).toBe(2)
    expect(run('--quiet-minutes', 'x', '--', 'true').status).toBe(2)
  })
})
