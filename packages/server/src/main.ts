#!/usr/bin/env node
// parley-server: the signaling server from the command line. Flags and env vars: see --help.
import { type Env, loadConfig, redactConfig, type ServerConfig, usage } from './config.js'
import { ConfigError } from './errors.js'
import { createLogger } from './logger.js'
import { type ParleyServer, startServer } from './ParleyServer.js'

/** Exit status for an invalid configuration. */
const EXIT_BAD_CONFIG = 2
/** A shutdown that has not finished by then exits anyway (the budget is 5 s). */
const HARD_EXIT_MS = 4_500

function badConfig(error: ConfigError): never {
  console.error(`parley-server: invalid configuration: ${error.message}`)
  console.error('Run with --help for the list of options.')
  process.exit(EXIT_BAD_CONFIG)
}

async function main(argv: readonly string[], env: Env): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage())
    return
  }
  let config: ServerConfig
  try {
    config = loadConfig(argv, env)
  } catch (error) {
    if (error instanceof ConfigError) badConfig(error)
    throw error
  }
  const logger = createLogger(config.logLevel)
  logger.info({ config: redactConfig(config) }, 'effective configuration')
  let server: ParleyServer
  try {
    server = await startServer({ ...config, logger })
  } catch (error) {
    if (error instanceof ConfigError) badConfig(error)
    throw error
  }
  let stopping = false
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down: closing clients with 1012')
    setTimeout(() => {
      logger.error('shutdown did not finish in time: exiting')
      process.exit(1)
    }, HARD_EXIT_MS).unref()
    server.close({ graceful: true }).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
}

main(process.argv.slice(2), process.env).catch((error: unknown) => {
  console.error('parley-server: fatal error:', error)
  process.exit(1)
})
