export type { ConfigInput, ServerConfig } from './config.js'
export { ConfigError, loadConfig } from './config.js'
export type {
  Directory,
  DirectoryMember,
  DirectoryStats,
  JoinRefusal,
  JoinResult,
  MaybePromise,
} from './Directory.js'
export type { Logger } from './logger.js'
export { MemoryDirectory } from './MemoryDirectory.js'
export type { ParleyServer, ServerOptions } from './ParleyServer.js'
export { startServer } from './ParleyServer.js'
