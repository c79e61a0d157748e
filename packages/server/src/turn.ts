import { createHmac } from 'node:crypto'
import type { IceServer } from '@parley/protocol'
import type { ServerConfig } from './config.js'

/** Ephemeral TURN credentials in the TURN REST scheme (coturn `use-auth-secret`). */
export interface TurnCredentials {
  /** `<expiry unix seconds>:<peerId>` */
  readonly username: string
  /** base64(HMAC-SHA1(secret, username)) */
  readonly credential: string
}

export function turnCredentials(
  secret: string,
  peerId: string,
  ttlMs: number,
  nowMs = Date.now(),
): TurnCredentials {
  const expiry = Math.floor((nowMs + ttlMs) / 1000)
  const username = `${expiry}:${peerId}`
  const credential = createHmac('sha1', secret).update(username).digest('base64')
  return { username, credential }
}

type IceConfig = Pick<
  ServerConfig,
  'stunUrls' | 'turnUrls' | 'turnSecret' | 'turnUsername' | 'turnCredential' | 'turnTtlMs'
>

/** The `iceServers` of a welcome for `peerId`: STUN as configured, TURN with its credentials. */
export function iceServersFor(config: IceConfig, peerId: string): IceServer[] {
  const servers: IceServer[] = []
  if (config.stunUrls.length > 0) servers.push({ urls: [...config.stunUrls] })
  if (config.turnUrls.length > 0) {
    const urls = [...config.turnUrls]
    if (config.turnSecret !== undefined) {
      servers.push({ urls, ...turnCredentials(config.turnSecret, peerId, config.turnTtlMs) })
    } else if (config.turnUsername !== undefined && config.turnCredential !== undefined) {
      servers.push({ urls, username: config.turnUsername, credential: config.turnCredential })
    } else {
      servers.push({ urls })
    }
  }
  return servers
}
