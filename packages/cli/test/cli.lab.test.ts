/**
 * Network lab: `parley` processes in network namespaces, their links cut for real.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { type ParleyServer, startServer } from '@parley/server'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { sha256OfFile, tempDir, writeRandomFile } from '../../client/test/transfer/support.js'
import { canImpair, canMakeNamespaces, createNetnsLink, type NetnsLink } from './netns.js'
import {
  type CliProcess,
  expectResumedFromConfirmed,
  killAll,
  parley,
  senderStats,
  startSend,
} from './support.js'

const SIZE = 256 * 1024 * 1024

describe('parley CLI in a network lab (namespaces)', () => {
  let lab: NetnsLink | undefined
  let server: ParleyServer | undefined
  let dir: { path: string; remove: () => Promise<void> } | undefined
  let allowed = false

  beforeAll(async () => {
    allowed = await canMakeNamespaces()
  })
  /** A file of random bytes (256 MiB by default) and an empty directory to receive it into. */
  const bigFile = async (size = SIZE) => {
    dir = await tempDir('parley-cli-lab-')
    const out = join(dir.path, 'out')
    await mkdir(out)
    const src = join(dir.path, 'big.bin')
    return { src, out, expected: await writeRandomFile(src, size) }
  }

  /**
   * Both exit 0 (a receiver still waiting fails with the sender's stderr: its side of the story),
   * the file is whole, and no byte the receiver had stored was sent again.
   */
  const expectBothDone = async (sender: CliProcess, receiver: CliProcess, out: string, expected: string) => {
    const received = await receiver.exitCode(120_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\nthe sender's stderr:\n${sender.stderr.slice(-4000)}`)
    })
    expect(received).toBe(0)
    expect(await sender.exitCode(10_000)).toBe(0)
    expect(await sha256OfFile(join(out, 'big.bin'))).toBe(expected)
    expectResumedFromConfirmed(senderStats(sender.stderr), SIZE)
  }

  afterEach(async () => {
    await killAll()
    await server?.close({ graceful: false })
    await lab?.remove()
    await dir?.remove()
    server = undefined
    lab = undefined
    dir = undefined
  })

  it('the sender’s link is cut mid-transfer until the receiver gives it up, then restored: the transfer resumes from the confirmed offset (no stored byte sent again), both exit 0, the file is whole', async (ctx) => {
    if (!allowed) ctx.skip('network namespaces need root and iproute2 (both in CI)')
    lab = await createNetnsLink()
    // the server and the receiver on this side, the sender in the namespace: the cut takes the
    // sender's signaling and its peer-to-peer path down together, as a dropped Wi-Fi would
    server = await startServer({ port: 0, host: lab.hostIp, logLevel: 'silent' })
    const { src, out, expected } = await bigFile()
    const { sender, code } = await startSend([src], server.url, {}, { netns: lab.ns })
    const receiver = await parley(['receive', code, '--out', out, '--server', server.url])
    await receiver.waitFor(/Receiving +[1-9]\d% /)
    await lab.cut()
    // down until the receiver gives the sender up: a silent cut (no ICMP, packets dropped) is seen
    // when ICE consent expires or the server drops the sender's session, ~30 s here
    await receiver.waitFor(/Connection lost; resuming|left; waiting for the sender to come back/, 90_000)
    await lab.restore()
    await expectBothDone(sender, receiver, out, expected)
    expect(receiver.stderr).toMatch(/Resuming big\.bin at [1-9]|The sender is back: resuming/)
  }, 180_000)

  it('the receiver’s link is cut mid-transfer until the server ends its session, then restored: the receiver comes back under a new id, meets the sender afresh and asks for the transfer again, which resumes from its partial file (no stored byte sent again), both exit 0, the file is whole', async (ctx) => {
    if (!allowed) ctx.skip('network namespaces need root and iproute2 (both in CI)')
    lab = await createNetnsLink()
    // the server and the sender on this side, the receiver in the namespace; the server gives a
    // silent peer up fast, so that the receiver surely comes back under a new id
    server = await startServer({
      port: 0,
      host: lab.hostIp,
      logLevel: 'silent',
      heartbeatIntervalMs: 2000,
      resumeGraceMs: 3000,
    })
    const { src, out, expected } = await bigFile()
    const { sender, code } = await startSend([src], server.url)
    const receiver = await parley(
      ['receive', code, '--out', out, '--server', server.url],
      {},
      { netns: lab.ns },
    )
    await receiver.waitFor(/Receiving +[1-9]\d% /)
    await lab.cut()
    // the server ended the receiver's session and told the sender
    await sender.waitFor(/dropped out; waiting for them to come back/, 60_000)
    await lab.restore()
    await expectBothDone(sender, receiver, out, expected)
    // the same transfer went on: the receiver asked for it again (no second offer, no second accept)
    expect(receiver.stderr).toMatch(/Connection lost; resuming when the sender is back/)
    expect(receiver.stderr).toMatch(/The sender is back: resuming/)
    expect(sender.stderr).toMatch(/The receiver is back: resuming/)
    expect(sender.stderr.match(/Receiver connected/g)).toHaveLength(1)
  }, 180_000)

  it('over a link that drops 3 % of UDP packets each way and carries 100 Mbit/s: a 48 MiB send completes in one attempt (no reconnection), both exit 0, the file is whole', async (ctx) => {
    if (!allowed) ctx.skip('network namespaces need root and iproute2 (both in CI)')
    if (!(await canImpair()))
      ctx.skip('a lossy link needs nftables (scripts/ensure-system-deps.mjs installs it)')
    lab = await createNetnsLink()
    await lab.impair({ udpLossPercent: 3, rateMbit: 100 })
    server = await startServer({ port: 0, host: lab.hostIp, logLevel: 'silent' })
    const size = 48 * 1024 * 1024
    const { src, out, expected } = await bigFile(size)
    const { sender, code } = await startSend([src], server.url, {}, { netns: lab.ns })
    const receiver = await parley(['receive', code, '--out', out, '--server', server.url])
    const received = await receiver.exitCode(150_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\nthe sender's stderr:\n${sender.stderr.slice(-4000)}`)
    })
    expect(received).toBe(0)
    expect(await sender.exitCode(10_000)).toBe(0)
    expect(await sha256OfFile(join(out, 'big.bin'))).toBe(expected)
    const attempts = senderStats(sender.stderr).flatMap((s) => s.attempts)
    expect(attempts).toHaveLength(1)
    expect(attempts[0]).toMatchObject({ from: 0, to: size })
    // the link did lose packets: ~3 % of the ~37,000 or more a 48 MiB transfer takes
    expect(await lab.droppedPackets()).toBeGreaterThan(500)
  }, 180_000)
})
