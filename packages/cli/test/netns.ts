import { execFile } from 'node:child_process'
import { randomBytes, randomInt } from 'node:crypto'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * A network namespace joined to this one by a veth pair: this side `hostIp`, the namespace's side
 * `nsIp`, a /24 of 10.250.0.0/16 of its own and nothing else (no default route: traffic from the
 * namespace reaches this side only). `cut()` takes this side's end of the link down (every
 * connection across it stalls), `restore()` brings it back; `remove()` deletes the namespace and
 * the pair. Needs root and iproute2's `ip`.
 */
export interface NetnsLink {
  readonly ns: string
  readonly hostIp: string
  readonly nsIp: string
  cut(): Promise<void>
  restore(): Promise<void>
  remove(): Promise<void>
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
    remove,
  }
}
