import { describe, expect, it } from 'vitest'
import { silentLogger } from '../src/Logger.js'
import { computeSas, fingerprintFromSdp, SasTracker, sasFromDescriptions } from '../src/Sas.js'

const sdp = (fp: string): string =>
  `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=fingerprint:sha-256 ${fp}\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n`
const FP_A = '84:CB:BE:47:E5:E5:2C:62:D4:27:37:89:D0:E7:BF:A3:7B:0D:02:11:24:A1:C0:6A:75:36:B7:5B:C2:BE:3E:8A'
const FP_B = '12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0'
const FP_M = 'AA:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0'

describe('short authentication string', () => {
  it('parses and normalizes the DTLS fingerprint of an SDP (case, hash name)', () => {
    expect(fingerprintFromSdp(sdp(FP_A.toLowerCase()).replace('sha-256', 'SHA-256'))).toBe(`sha-256 ${FP_A}`)
    expect(fingerprintFromSdp('v=0\r\n')).toBeUndefined()
    expect(fingerprintFromSdp(undefined)).toBeUndefined()
  })

  it('is the same on both ends (order of the fingerprints does not matter) and has 6 digits', async () => {
    const local = await sasFromDescriptions(sdp(FP_A), sdp(FP_B))
    const remote = await sasFromDescriptions(sdp(FP_B), sdp(FP_A))
    expect(local).toMatch(/^\d{3} \d{3}$/)
    expect(local).toBe(remote)
  })

  it('differs when a man in the middle substitutes one certificate', async () => {
    // each end sees the attacker's fingerprint instead of the other's
    const aliceView = await computeSas(`sha-256 ${FP_A}`, `sha-256 ${FP_M}`)
    const bobView = await computeSas(`sha-256 ${FP_B}`, `sha-256 ${FP_M}`)
    expect(aliceView).not.toBe(bobView)
  })

  it('is undefined while a fingerprint is missing', async () => {
    expect(await sasFromDescriptions(sdp(FP_A), undefined)).toBeUndefined()
  })

  it('SasTracker computes once per connection: repeated updates of one connection report one SAS', async () => {
    const reported: string[] = []
    const tracker = new SasTracker((sas) => reported.push(sas), silentLogger)
    let reads = 0
    const pc = (local: string, remote: string) =>
      ({
        get localDescription() {
          reads++
          return { sdp: sdp(local) }
        },
        remoteDescription: { sdp: sdp(remote) },
      }) as unknown as RTCPeerConnection
    const first = pc(FP_A, FP_B)
    await Promise.all([tracker.update(first, () => true), tracker.update(first, () => true)])
    await tracker.update(first, () => true)
    expect(reads).toBe(1)
    expect(reported).toEqual([await sasFromDescriptions(sdp(FP_A), sdp(FP_B))])
    // a new connection generation with another certificate: computed again, reported as a change
    await tracker.update(pc(FP_A, FP_M), () => true)
    expect(reported).toHaveLength(2)
    expect(tracker.value).toBe(reported[1])
  })

  it('SasTracker retries a connection whose descriptions had no fingerprint yet', async () => {
    const reported: string[] = []
    const tracker = new SasTracker((sas) => reported.push(sas), silentLogger)
    const conn = {
      localDescription: { sdp: sdp(FP_A) },
      remoteDescription: null,
    } as unknown as RTCPeerConnection
    await tracker.update(conn, () => true)
    expect(reported).toEqual([])
    ;(conn as unknown as { remoteDescription: { sdp: string } }).remoteDescription = { sdp: sdp(FP_B) }
    await tracker.update(conn, () => true)
    expect(reported).toHaveLength(1)
  })
})
