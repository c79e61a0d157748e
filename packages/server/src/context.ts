import type { IceServer } from '@parley/protocol'
import type { Authenticator } from './auth.js'
import type { ServerConfig } from './config.js'
import type { Directory } from './Directory.js'
import type { Logger } from './logger.js'
import type { Metrics } from './metrics.js'
import type { SessionStore } from './SessionStore.js'

/** What every connection shares: one per server. */
export interface ServerContext {
  readonly config: ServerConfig
  readonly logger: Logger
  readonly directory: Directory
  readonly sessions: SessionStore
  readonly metrics: Metrics
  /** Present when an auth secret is configured. */
  readonly auth: Authenticator | undefined
  iceServersFor(peerId: string): IceServer[]
  /** True while sessions of a previous process may be restored (the first grace period after start). */
  canRestore(): boolean
}
