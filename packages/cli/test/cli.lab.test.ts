/**
 * Network lab: `parley` processes in network namespaces, their links cut for real.
 */
import { execFile } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { type ParleyServer, startServer } from '@parley/server'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type Coturn, hasCoturn, startCoturn } from '../../client/test/support/coturn.js'
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
const run = promisify(execFile)

describe('parley CLI in a network lab (namespaces)', () => {
  let lab: NetnsLink | undefined
  /** A second namespace, for a test that puts the two peers apart. */
  let other: NetnsLink | undefined
  let turn: Coturn | undefined
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
    await turn?.close()
    await lab?.remove()
    await other?.remove()
    await dir?.remove()
    server = undefined
    turn = undefined
    lab = undefined
    other = undefined
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

  /**
   * The sender's namespace (`lab`) and the receiver's (`other`), with no route between them: the
   * receiver's reaches this side's address on the sender's link (the server's and the TURN
   * server's), and nothing of the sender's namespace.
   */
  const apart = async () => {
    lab = await createNetnsLink()
    other = await createNetnsLink()
    await other.reach(lab.hostIp)
    await expect(run('ip', ['netns', 'exec', other.ns, 'ip', 'route', 'get', lab.nsIp])).rejects.toThrow(
      /unreachable/i,
    )
    await expect(run('ip', ['netns', 'exec', lab.ns, 'ip', 'route', 'get', other.nsIp])).rejects.toThrow(
      /unreachable/i,
    )
    return { lab, other }
  }

  /** coturn and the signaling server on this side of `link`, the server giving out TURN credentials. */
  const serverWithTurn = async (link: NetnsLink) => {
    turn = await startCoturn('parley-lab-turn-secret', { ip: link.hostIp })
    server = await startServer({
      port: 0,
      host: link.hostIp,
      logLevel: 'silent',
      turnUrls: [turn.url],
      turnSecret: turn.secret,
    })
    return server
  }

  it('two namespaces with no route between them, the server and a TURN server (coturn) on this side: send and receive connect through the relay and both say so, the 32 MiB file is whole in one attempt', async (ctx) => {
    if (!allowed) ctx.skip('network namespaces need root and iproute2 (both in CI)')
    if (!hasCoturn) ctx.skip('needs coturn (scripts/ensure-system-deps.mjs installs it)')
    const { lab, other } = await apart()
    const { url } = await serverWithTurn(lab)
    const size = 32 * 1024 * 1024
    const { src, out, expected } = await bigFile(size)
    const { sender, code } = await startSend([src], url, {}, { netns: lab.ns })
    const receiver = await parley(['receive', code, '--out', out, '--server', url], {}, { netns: other.ns })
    const received = await receiver.exitCode(120_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\nthe sender's stderr:\n${sender.stderr.slice(-4000)}`)
    })
    expect(received, receiver.stderr).toBe(0)
    expect(await sender.exitCode(10_000)).toBe(0)
    expect(await sha256OfFile(join(out, 'big.bin'))).toBe(expected)
    // the relayed address is on the TURN server, and each side tells its user
    const relayed = new RegExp(
      `Connected through a TURN relay \\(${lab.hostIp.replaceAll('.', '\\.')}:\\d+\\)`,
    )
    expect(sender.stderr).toMatch(relayed)
    expect(receiver.stderr).toMatch(relayed)
    const attempts = senderStats(sender.stderr).flatMap((s) => s.attempts)
    expect(attempts).toEqual([expect.objectContaining({ from: 0, to: size })])
  }, 180_000)

  it('the same two namespaces and no TURN server: both sides say they cannot find a path (the receiver does not call the sender busy), and Ctrl-C still stops both', async (ctx) => {
    if (!allowed) ctx.skip('network namespaces need root and iproute2 (both in CI)')
    const { lab, other } = await apart()
    server = await startServer({ port: 0, host: lab.hostIp, logLevel: 'silent' })
    const { src, out } = await bigFile(1024 * 1024)
    const { sender, code } = await startSend([src], server.url, {}, { netns: lab.ns })
    // an offer waited for 1 s only: before the change, the receive then took the code's holder for
    // a sender busy with someone else
    const receiver = await parley(
      ['receive', code, '--out', out, '--server', server.url, '--timeout', '1'],
      {},
      { netns: other.ns },
    )
    await receiver.waitFor(/Still trying to connect to the sender.*no path found yet/, 30_000)
    await sender.waitFor(/Still trying to connect to the receiver.*no path found yet/, 30_000)
    receiver.kill('SIGINT')
    sender.kill('SIGINT')
    expect(await receiver.exitCode(10_000)).toBe(130)
    expect(await sender.exitCode(10_000)).toBe(130)
    expect(receiver.stderr).not.toMatch(/busy/)
    expect(sender.stderr).not.toMatch(/Receiver connected/)
  }, 120_000)

  it('a direct path and a TURN server both available: send and receive say "Connected directly." and never name the relay, though the relay pair often works first (20–70 ms before the direct one)', async (ctx) => {
    if (!allowed) ctx.skip('network namespaces need root and iproute2 (both in CI)')
    if (!hasCoturn) ctx.skip('needs coturn (scripts/ensure-system-deps.mjs installs it)')
    lab = await createNetnsLink()
    const { url } = await serverWithTurn(lab)
    const { src, out, expected } = await bigFile(8 * 1024 * 1024)
    // three transfers: before the route settled, the relay was named in 3 of 4 such runs
    for (const round of [1, 2, 3]) {
      const into = join(out, String(round))
      await mkdir(into)
      const { sender, code } = await startSend([src], url, {}, { netns: lab.ns })
      const receiver = await parley(['receive', code, '--out', into, '--server', url])
      expect(await receiver.exitCode(60_000), receiver.stderr).toBe(0)
      expect(await sender.exitCode(10_000)).toBe(0)
      expect(await sha256OfFile(join(into, 'big.bin'))).toBe(expected)
      for (const side of [sender, receiver]) {
        expect(side.stderr).toContain('Connected directly.')
        expect(side.stderr).not.toMatch(/TURN relay|now goes/)
      }
    }
  }, 180_000)
})
