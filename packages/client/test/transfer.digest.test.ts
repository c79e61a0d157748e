import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BlobFileSource } from '../src/transfer/BlobFileSource.js'
import { FileReceiver, readOffer } from '../src/transfer/FileReceiver.js'
import { FileSender } from '../src/transfer/FileSender.js'
import { type Hashers, loadHashers, tsHashers, webCryptoHashers } from '../src/transfer/hash.js'
import { encodeControl, parseControl } from '../src/transfer/messages.js'
import { NodeFileSink } from '../src/transfer/node/NodeFileSink.js'
import { TransferChannel } from '../src/transfer/TransferChannel.js'
import { memoryChannelPair } from './transfer/memoryChannel.js'
import { sha256ListOfFile, tempDir } from './transfer/support.js'

const MiB = 1024 * 1024
const webHashers = webCryptoHashers(globalThis.crypto.subtle)

function bytes(size: number): Uint8Array<ArrayBuffer> {
  const data = new Uint8Array(size)
  for (let i = 0; i < size; i++) data[i] = (i * 7 + (i >> 11)) & 0xff
  return data
}

const source = (data: Uint8Array<ArrayBuffer>, name: string) =>
  new BlobFileSource(new File([data], name, { lastModified: 1_700_000_000_000 }))

describe('integrity digest negotiation', () => {
  let dir: { path: string; remove: () => Promise<void> }
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(() => dir.remove())

  async function move(senderHashers: Hashers, receiverHashers: Hashers, size: number, id: string) {
    const { local, remote } = memoryChannelPair(`parley-file:${id}`)
    const data = bytes(size)
    const sender = new FileSender({ id, sources: [source(data, `${id}.bin`)], hashers: senderHashers })
    sender.attach(local.asChannel(), { maxMessageSize: 256 * 1024 })
    const receiver = await FileReceiver.fromChannel(remote.asChannel(), { hashers: receiverHashers }, 5000)
    await receiver.accept(() => new NodeFileSink({ dir: dir.path }))
    await Promise.all([sender.finished(), receiver.finished()])
    const written = await readFile(join(dir.path, `${id}.bin`))
    expect(createHash('sha256').update(written).digest('hex')).toBe(
      createHash('sha256').update(data).digest('hex'),
    )
    return { sender: sender.files[0]!, receiver: receiver.files[0]!, path: join(dir.path, `${id}.bin`) }
  }

  it('a browser (WebCrypto) sender and a Node receiver agree on sha256-list; both report the same digest', async () => {
    const { sender, receiver, path } = await move(webHashers, await loadHashers(), 3 * MiB + 77, 'w2n')
    expect(receiver.digest).toBe('sha256-list')
    expect(sender.digest).toBe('sha256-list')
    expect(receiver.sha256).toBe(sender.sha256)
    expect(receiver.sha256).toBe(await sha256ListOfFile(path))
  })

  it('a Node sender and a browser receiver agree on sha256-list', async () => {
    const { receiver, path } = await move(await loadHashers(), webHashers, 2 * MiB, 'n2w')
    expect(receiver.digest).toBe('sha256-list')
    expect(receiver.sha256).toBe(await sha256ListOfFile(path))
  })

  it('two Node peers use sha256 of the whole file (what sha256sum prints)', async () => {
    const node = await loadHashers()
    const { receiver, path } = await move(node, node, MiB + 1, 'n2n')
    expect(receiver.digest).toBe('sha256')
    expect(receiver.sha256).toBe(
      createHash('sha256')
        .update(await readFile(path))
        .digest('hex'),
    )
  })

  it('a receiver with the TypeScript SHA-256 only verifies a browser sender with sha256-list too', async () => {
    const { receiver, path } = await move(webHashers, tsHashers, MiB + 5, 'w2t')
    expect(receiver.digest).toBe('sha256-list')
    expect(receiver.sha256).toBe(await sha256ListOfFile(path))
  })

  it('an offer without digests (a sender older than the field) is answered and verified with sha256', async () => {
    const { local, remote } = memoryChannelPair('parley-file:old')
    const data = bytes(1000)
    local.send(
      encodeControl({
        t: 'offer',
        v: 1,
        transferId: 'old',
        files: [{ id: '0', name: 'old.bin', size: data.length, type: '', lastModified: 0 }],
      }),
    )
    const receiver = await FileReceiver.fromChannel(remote.asChannel(), { hashers: webHashers }, 5000)
    await receiver.accept(() => new NodeFileSink({ dir: dir.path }))
    const accept = remote.sent.find((f): f is string => typeof f === 'string')
    expect(JSON.parse(accept ?? '{}')).toMatchObject({ t: 'accept', digest: 'sha256' })
    local.send(encodeControl({ t: 'file', id: '0', offset: 0 }))
    local.send(data)
    local.send(
      encodeControl({ t: 'file-end', id: '0', sha256: createHash('sha256').update(data).digest('hex') }),
    )
    await receiver.finished()
    expect(receiver.files[0]).toMatchObject({ digest: 'sha256', status: 'done' })
  })

  it('a sender fails with BAD_MESSAGE when the accept picks a digest it did not offer', async () => {
    const { local, remote } = memoryChannelPair('parley-file:d1')
    const onlySha256: Hashers = { algorithms: ['sha256'], create: (a) => tsHashers.create(a) }
    const sender = new FileSender({ id: 'd1', sources: [source(bytes(10), 'x')], hashers: onlySha256 })
    sender.attach(local.asChannel())
    const link = new TransferChannel(remote.asChannel())
    expect((await readOffer(link, 5000)).digests).toEqual(['sha256'])
    remote.send(
      encodeControl({
        t: 'accept',
        files: [{ id: '0', offset: 0 }],
        declined: [],
        completed: [],
        digest: 'sha256-list',
      }),
    )
    await expect(sender.finished()).rejects.toMatchObject({ code: 'BAD_MESSAGE', message: /not offered/ })
  })

  it('accept() fails with BAD_MESSAGE when the offer names no digest the receiver computes', async () => {
    const { local, remote } = memoryChannelPair('parley-file:d2')
    const listOnly: Hashers = { algorithms: ['sha256-list'], create: (a) => webHashers.create(a) }
    const sender = new FileSender({ id: 'd2', sources: [source(bytes(10), 'x')], hashers: listOnly })
    sender.attach(local.asChannel())
    const onlySha256: Hashers = { algorithms: ['sha256'], create: (a) => tsHashers.create(a) }
    const receiver = await FileReceiver.fromChannel(remote.asChannel(), { hashers: onlySha256 }, 5000)
    await expect(receiver.accept(() => new NodeFileSink({ dir: dir.path }))).rejects.toMatchObject({
      code: 'BAD_MESSAGE',
      message: /no integrity digest/,
    })
    await expect(sender.finished()).rejects.toMatchObject({ code: 'BAD_MESSAGE' })
  })

  it('parseControl() keeps the known digests of an offer, rejects an unknown accept digest', () => {
    const offer = {
      t: 'offer',
      v: 1,
      transferId: 'x',
      files: [{ id: '0', name: 'a', size: 1 }],
    }
    expect(
      parseControl(JSON.stringify({ ...offer, digests: ['blake3', 'sha256-list', 'sha256'] })),
    ).toMatchObject({
      ok: true,
      message: { digests: ['sha256-list', 'sha256'] },
    })
    expect(parseControl(JSON.stringify({ ...offer, digests: ['blake3'] }))).toEqual({
      ok: false,
      reason: 'offer.digests names no known digest',
    })
    expect(parseControl(JSON.stringify({ ...offer, digests: 'sha256' })).ok).toBe(false)
    const accept = { t: 'accept', files: [], declined: [], completed: [] }
    expect(parseControl(JSON.stringify({ ...accept, digest: 'md5' }))).toEqual({
      ok: false,
      reason: 'accept.digest must be a known digest',
    })
    expect(parseControl(JSON.stringify(accept))).toMatchObject({ ok: true })
  })
})
