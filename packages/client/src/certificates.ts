import type { RtcRuntime } from './runtime.js'

/** Certificates outlive a call by far; one is reused until this close to its expiry. */
const CERTIFICATE_MIN_LIFETIME_MS = 24 * 3600 * 1000
let pageCertificate: Promise<RTCCertificate | undefined> | undefined

/**
 * One DTLS certificate for every connection of this page (browsers): the fingerprint, hence the
 * SAS of a pair, stays the same when a connection is re-established, and joining does not pay for
 * a key generation each time. Undefined where certificates cannot be generated (node-datachannel).
 */
export async function roomCertificates(rt: RtcRuntime): Promise<RTCCertificate[] | undefined> {
  const ctor = rt.RTCPeerConnection as unknown as {
    generateCertificate?: (algorithm: AlgorithmIdentifier | EcKeyGenParams) => Promise<RTCCertificate>
  }
  if (rt.flavor !== 'native' || typeof ctor.generateCertificate !== 'function') return undefined
  const generate = ctor.generateCertificate.bind(ctor)
  let certificate = await pageCertificate
  if (!certificate || certificate.expires - Date.now() < CERTIFICATE_MIN_LIFETIME_MS) {
    pageCertificate = generate({ name: 'ECDSA', namedCurve: 'P-256' }).catch(() => undefined)
    certificate = await pageCertificate
  }
  return certificate ? [certificate] : undefined
}
