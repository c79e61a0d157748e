import { readFileSync } from 'node:fs'
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { CloseCode, WS_PATH } from '@parley/protocol'
import { WebSocketServer, type ServerOptions as WsOptions } from 'ws'
import { Authenticator } from './auth.js'
import { Connection } from './Connection.js'
import { ConfigError, type ConfigInput, resolveConfig, type ServerConfig } from './config.js'
import type { ServerContext } from './context.js'
import type { Directory } from './Directory.js'
import { createLogger, type Logger } from './logger.js'
import { MemoryDirectory } from './MemoryDirectory.js'
import { Metrics } from './metrics.js'
import { ResumeTokens } from './ResumeTokens.js'
import { SessionStore } from './SessionStore.js'
import { plain, StaticFiles } from './static.js'
import { iceServersFor } from './turn.js'

/** Options of {@link startServer}: every configuration field (defaults as for the CLI), plus: */
export type ServerOptions = ConfigInput & {
  /** pino-compatible logger; default: a pino logger at `logLevel`. */
  readonly logger?: Logger | undefined
  /**
   * Room membership and routing; default: a {@link MemoryDirectory} with the configured limits.
   * An injected directory enforces its own limits and is not closed by the server.
   */
  readonly directory?: Directory | undefined
}

export interface ParleyServer {
  /** The port listened on (the real one when 0 was asked). */
  readonly port: number
  /** Base URL, e.g. `http://127.0.0.1:8080` (`https` with TLS). */
  readonly url: string
  /** Signaling endpoint, e.g. `ws://127.0.0.1:8080/ws` (`wss` with TLS). */
  readonly wsUrl: string
  readonly config: ServerConfig
  /**
   * Stops the server; idempotent (later calls return the same promise). Graceful (the default):
   * stop accepting, close every client with 1012 (service restart: reconnect) and wait up to
   * `shutdownTimeoutMs` for them; otherwise drop every socket at once.
   */
  close(options?: { graceful?: boolean }): Promise<void>
}

/** Closing sockets ws destroys if the client does not answer the close frame in time. */
const CLOSE_HANDSHAKE_TIMEOUT_MS = 2_000

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return host.includes(':') ? `[${host}]` : host
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  const body = `${text}\n`
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    () => socket.destroy(),
  )
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path)
  } catch (error) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(error as Error).message}`, { cause: error })
  }
}

/** Starts a Parley signaling server: `/ws`, `/healthz`, `/metrics` and the web app on one port. */
export async function startServer(options: ServerOptions = {}): Promise<ParleyServer> {
  const { logger: givenLogger, directory: givenDirectory, ...input } = options
  const config = resolveConfig(input)
  const logger = givenLogger ?? createLogger(config.logLevel)
  const directory =
    givenDirectory ??
    new MemoryDirectory({ maxPeersPerRoom: config.maxPeersPerRoom, maxRooms: config.maxRooms })
  const connections = new Set<Connection>()
  const sessions = new SessionStore({
    directory,
    logger,
    graceMs: config.resumeGraceMs,
    queueLimit: config.resumeQueueLimit,
    tokens: new ResumeTokens(config.resumeSecret),
  })
  const restoreUntil = Date.now() + config.resumeGraceMs
  const metrics = new Metrics({
    connections: () => connections.size,
    rooms: () => directory.stats().rooms,
    peers: () => directory.stats().peers,
  })
  const ctx: ServerContext = {
    config,
    logger,
    directory,
    sessions,
    metrics,
    auth: config.authSecret === undefined ? undefined : new Authenticator(config.authSecret),
    iceServersFor: (peerId) => iceServersFor(config, peerId),
    canRestore: () => config.resumeSecret !== undefined && Date.now() < restoreUntil,
  }
  const staticFiles = new StaticFiles(config.staticDir)
  const startedAt = performance.now()
  let closing = false

  const handleRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const pathname = (req.url ?? '/').split('?', 1)[0] ?? '/'
    const method = req.method ?? 'GET'
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      plain(res, 405, 'method not allowed')
      return
    }
    if (pathname === '/healthz') {
      const stats = directory.stats()
      const body = JSON.stringify({
        status: closing ? 'shutting-down' : 'ok',
        uptime: Math.round((performance.now() - startedAt) / 1000),
        connections: connections.size,
        rooms: stats.rooms,
        peers: stats.peers,
      })
      res.writeHead(closing ? 503 : 200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
      res.end(method === 'HEAD' ? undefined : body)
      return
    }
    if (pathname === '/metrics') {
      metrics.text().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' })
          res.end(method === 'HEAD' ? undefined : text)
        },
        (error: unknown) => {
          logger.error({ err: error }, 'metrics collection failed')
          plain(res, 500, 'metrics unavailable')
        },
      )
      return
    }
    if (pathname === WS_PATH) {
      res.setHeader('Upgrade', 'websocket')
      plain(res, 426, 'upgrade required: this is the WebSocket endpoint')
      return
    }
    staticFiles.handle(req, res, pathname).catch((error: unknown) => {
      logger.error({ err: error, path: pathname }, 'static file error')
      if (!res.headersSent) plain(res, 500, 'internal server error')
      else res.destroy()
    })
  }

  let server: Server
  if (config.tlsCert !== undefined && config.tlsKey !== undefined) {
    const cert = readPem(config.tlsCert, 'TLS certificate')
    const key = readPem(config.tlsKey, 'TLS key')
    try {
      server = createHttpsServer({ cert, key }, handleRequest)
    } catch (error) {
      throw new ConfigError(`invalid TLS certificate or key: ${(error as Error).message}`, { cause: error })
    }
  } else {
    server = createHttpServer(handleRequest)
  }

  const wsOptions: WsOptions & { closeTimeout: number } = {
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: config.maxFrameBytes,
    closeTimeout: CLOSE_HANDSHAKE_TIMEOUT_MS,
  }
  const wss = new WebSocketServer(wsOptions)
  const anyOrigin = config.allowedOrigins.length === 0 || config.allowedOrigins.includes('*')

  const originAllowed = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin
    if (anyOrigin || origin === undefined) return true // non-browser clients send no Origin
    if (config.allowedOrigins.includes(origin)) return true
    try {
      return new URL(origin).host === req.headers.host // the web app served by this server
    } catch {
      return false
    }
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (error) => logger.debug({ err: error }, 'upgrade socket error'))
    const pathname = (req.url ?? '').split('?', 1)[0]
    if (pathname !== WS_PATH) return refuseUpgrade(socket, 404, 'Not Found')
    if (closing) return refuseUpgrade(socket, 503, 'Service Unavailable')
    if (!originAllowed(req)) {
      logger.debug({ origin: req.headers.origin }, 'origin refused')
      return refuseUpgrade(socket, 403, 'Forbidden')
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (connections.size >= config.maxConnections || closing) {
        ws.on('error', () => {})
        ws.close(CloseCode.TRY_AGAIN_LATER, 'server is at its connection limit')
        return
      }
      const connection = new Connection(ctx, ws, socket)
      connections.add(connection)
      connection.on('state', (state) => {
        if (state === 'closed') connections.delete(connection)
      })
      // a join carried by the upgrade URL: admitted now, its welcome is the first frame
      const query = req.url?.indexOf('?') ?? -1
      if (query >= 0 && req.url !== undefined) connection.joinFromUrl(req.url.slice(query + 1))
    })
  })

  const heartbeat = setInterval(() => {
    for (const connection of connections) connection.heartbeat()
  }, config.heartbeatIntervalMs)
  heartbeat.unref()

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      clearInterval(heartbeat)
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL'
          ? new ConfigError(`cannot listen on ${config.host}:${config.port}: ${error.message}`, {
              cause: error,
            })
          : error,
      )
    }
    server.once('error', onError)
    server.listen(config.port, config.host, () => {
      server.off('error', onError)
      resolve()
    })
  })
  server.on('error', (error) => logger.error({ err: error }, 'server error'))

  const port = (server.address() as AddressInfo).port
  const secure = config.tlsCert !== undefined
  const base = `${urlHost(config.host)}:${port}`
  const url = `${secure ? 'https' : 'http'}://${base}`
  const wsUrl = `${secure ? 'wss' : 'ws'}://${base}${WS_PATH}`
  logger.info({ url, wsUrl }, 'parley server listening')

  let closed: Promise<void> | undefined
  const close = async (graceful: boolean): Promise<void> => {
    closing = true
    clearInterval(heartbeat)
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()))
    const allGone = new Promise<void>((resolve) => {
      if (connections.size === 0) return resolve()
      for (const connection of connections)
        connection.on('state', (state) => {
          if (state === 'closed' && connections.size === 0) resolve()
        })
    })
    for (const connection of [...connections]) {
      if (graceful) connection.closeWith(CloseCode.SERVICE_RESTART, 'server restarting', 'shutdown')
      else connection.terminate('shutdown')
    }
    if (graceful && connections.size > 0) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        allGone,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, config.shutdownTimeoutMs))),
      ])
      clearTimeout(timer)
      for (const connection of [...connections]) connection.terminate('shutdown')
    }
    await allGone
    sessions.endAll()
    if (givenDirectory === undefined) await directory.close()
    server.closeAllConnections()
    await serverClosed
    wss.close()
    logger.info('parley server closed')
  }

  return {
    port,
    url,
    wsUrl,
    config,
    close(options) {
      closed ??= close(options?.graceful ?? true)
      return closed
    },
  }
}
