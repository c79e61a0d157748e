/** Base of every error the server raises: a stable `code` and an optional `cause`. */
export class ServerError extends Error {
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** Invalid configuration (flag, env var or option). The CLI exits with code 2 on it. */
export class ConfigError extends ServerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BAD_CONFIG', message, options)
  }
}

/** A state machine was asked for a transition its table does not allow: a bug, never user input. */
export class IllegalTransitionError extends ServerError {
  constructor(what: string, from: string, to: string) {
    super('ILLEGAL_TRANSITION', `${what}: illegal transition ${from} → ${to}`)
  }
}
