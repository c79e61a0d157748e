import { execFile } from 'node:child_process'
import { randomBytes, randomInt } from 'node:crypto'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * A network namespace joined to this one by a veth pair: this side `hostIp`, the namespace's side
 * `nsIp`, a /24 of 10.250.0.0/16 of its own and nothing else (no default route: traffic from the
 * namespace reaches this side only). `cut()` takes this side's end of the link down (every
 * connection across it stalls), `restore()` brings it back; `impair()` makes it lossy and slow;
 * `remove()` deletes the namespace and the pair. Needs root and iproute2's `ip`.
 */
export interface NetnsLink {
  readonly ns: string
  readonly hostIp: string
  readonly nsIp: string
  cut(): Promise<void>
  restore(): Promise<void>
  impair(impairment: Impairment): Promise<void>
  /**
   * Lets the namespace reach `address`, one of this side's own addresses (e.g. another link's
   * `hostIp`), through this link: a route to that address alone, so another namespace's `nsIp`
   * stays unreachable.
   */
  reach(address: string): Promise<void>
  /** UDP packets `impair()` dropped so far, both ways together. */
  droppedPackets(): Promise<number>
  remove(): Promise<void>
}

/** A worse link (this kernel has no netem: loss comes from nftables, the rate from tbf). */
export interface Impairment {
  /** UDP packets dropped at random, each way, in percent (the peer-to-peer path; signaling is TCP). */
  readonly udpLossPercent?: number
  /** The namespace's sending shaped to this rate (Mbit/s; a token bucket of 64 KiB, 20 ms queue). */
  readonly rateMbit?: number
}

/** Whether nftables' `nft` is here (installed by scripts/ensure-system-deps.mjs). */
export async function canImpair(): Promise<boolean> {
  try {
    await run('nft', ['--version'])
    return true
  } catch {
    return false
  }
}

/** Whether namespaces can be made here (root, `ip` present). */
export async function canMakeNamespaces(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false
  try {
    await run('ip', ['-V'])
    return true
  } catch {
    return false
  }
}

export async function createNetnsLink(): Promise<NetnsLink> {
  const tag = randomBytes(3).toString('hex')
  const ns = `parley-lab-${tag}`
  const hostEnd = `plh${tag}`
  const nsEnd = `pln${tag}`
  const subnet = `10.250.${randomInt(1, 255)}`
  const hostIp = `${subnet}.1`
  const nsIp = `${subnet}.2`
  const ip = (...args: string[]) => run('ip', args)
  const inNs = (...args: string[]) => run('ip', ['netns', 'exec', ns, 'ip', ...args])
  const remove = async () => {
    await ip('netns', 'del', ns).catch(() => {})
    await ip('link', 'del', hostEnd).catch(() => {}) // gone with the namespace's end, normally
  }
  try {
    await ip('netns', 'add', ns)
    await ip('link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', nsEnd)
    await ip('link', 'set', nsEnd, 'netns', ns)
    await ip('addr', 'add', `${hostIp}/24`, 'dev', hostEnd)
    await ip('link', 'set', hostEnd, 'up')
    await inNs('link', 'set', 'lo', 'up')
    await inNs('addr', 'add', `${nsIp}/24`, 'dev', nsEnd)
    await inNs('link', 'set', nsEnd, 'up')
  } catch (error) {
    await remove()
    throw error
  }
  return {
    ns,
    hostIp,
    nsIp,
    cut: async () => {
      await ip('link', 'set', hostEnd, 'down')
    },
    restore: async () => {
      await ip('link', 'set', hostEnd, 'up')
    },
    impair: async ({ udpLossPercent = 0, rateMbit }) => {
      if (udpLossPercent > 0) {
        const perMille = Math.round(udpLossPercent * 10)
        const drop = `meta l4proto udp numgen random mod 1000 < ${perMille} counter drop`
        const rules = [
          'table inet parley_lab {',
          `  chain in { type filter hook input priority 0; policy accept; ${drop}; }`,
          `  chain out { type filter hook output priority 0; policy accept; ${drop}; }`,
          '}',
        ].join('\n')
        await new Promise<void>((resolve, reject) => {
          const child = execFile('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], (error) =>
            error ? reject(error) : resolve(),
          )
          child.stdin?.end(rules)
        })
      }
      if (rateMbit !== undefined) {
        await run('ip', [
          'netns',
          'exec',
          ns,
          'tc',
          'qdisc',
          'replace',
          'dev',
          nsEnd,
          'root',
          'tbf',
          'rate',
          `${rateMbit}mbit`,
          'burst',
          '64kb',
          'latency',
          '20ms',
        ])
      }
    },
    reach: async (address) => {
      await inNs('route', 'add', `${address}/32`, 'via', hostIp)
    },
    droppedPackets: async () => {
      const { stdout } = await run('ip', ['netns', 'exec', ns, 'nft', 'list', 'table', 'inet', 'parley_lab'])
      return [...stdout.matchAll(/counter packets (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0)
    },
    remove,
  }
}
