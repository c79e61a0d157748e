#!/usr/bin/env node
import { spawnSync } from 'node:child_process'
// Installs the Debian packages the test suite needs (Chromium, coturn, Redis, iproute2 for the
// network lab's namespaces, nftables for its lossy links) when they are missing.
// Never downloads a browser of its own: Playwright drives Debian's /usr/bin/chromium.
import { existsSync } from 'node:fs'

const needed = [
  { bin: '/usr/bin/chromium', pkg: 'chromium' },
  { bin: '/usr/bin/turnserver', pkg: 'coturn' },
  { bin: '/usr/bin/redis-server', pkg: 'redis-server' },
  { bin: '/usr/sbin/ip', pkg: 'iproute2' },
  { bin: '/usr/sbin/nft', pkg: 'nftables' },
]
const missing = needed.filter((n) => !existsSync(n.bin)).map((n) => n.pkg)
if (missing.length === 0) process.exit(0)

const asRoot = process.getuid?.() === 0
const sudo = asRoot ? [] : ['sudo', '-n']
const run = (args) => {
  const [cmd, ...rest] = [...sudo, ...args]
  const r = spawnSync(cmd, rest, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  })
  return r.status === 0
}
process.stdout.write(`installing missing system packages: ${missing.join(' ')}\n`)
if (!run(['apt-get', 'install', '-y', '-qq', ...missing])) {
  if (!run(['apt-get', 'update', '-qq']) || !run(['apt-get', 'install', '-y', '-qq', ...missing])) {
    process.stderr.write(`could not install ${missing.join(' ')}; install them with apt-get and retry\n`)
    process.exit(1)
  }
}
