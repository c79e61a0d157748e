import { CliError, Exit } from './exit.js'

export const DEFAULT_SERVER = 'http://localhost:8080'

export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'send'; readonly files: readonly string[]; readonly server: string }
  | {
      readonly kind: 'receive'
      readonly code: string
      readonly server: string | undefined
      readonly out: string
      readonly confirm: boolean
      readonly force: boolean
      readonly timeoutMs: number
    }

export const USAGE = `Usage:
  parley send <file...> [--server URL]
      Prints a code and a link, waits for a receiver, sends the files. A folder is sent whole:
      every file in it, by its path in the folder.
  parley receive <code|link> [--out DIR] [--server URL] [--confirm] [--force] [--timeout SECONDS]
      Joins the transfer, writes each file into DIR (default: the current directory), in its
      folders if a folder was sent, and verifies its SHA-256. --confirm asks before accepting;
      --force overwrites existing files.

The server defaults to $PARLEY_SERVER or ${DEFAULT_SERVER}. Ctrl-C cancels on both sides.
Exit codes: 0 done and verified, 1 other failure, 2 bad usage, 3 missing file, 4 server unreachable,
5 no such code, 6 declined, 7 cancelled, 8 integrity failure, 9 disk full / cannot write,
10 file exists, 130 interrupted.`

interface Spec {
  readonly flags: readonly string[]
  readonly values: readonly string[]
}

const SPECS: Record<'send' | 'receive', Spec> = {
  send: { flags: [], values: ['--server'] },
  receive: { flags: ['--confirm', '--force'], values: ['--server', '--out', '--timeout'] },
}

/** Parses the command line (without node and the script). Throws CliError(USAGE) on bad input. */
export function parseArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Command {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help')
    return { kind: 'help' }
  if (command === '--version' || command === '-v') return { kind: 'version' }
  if (command !== 'send' && command !== 'receive') {
    throw new CliError(Exit.USAGE, `unknown command ${JSON.stringify(command)} (try parley --help)`)
  }
  const spec = SPECS[command]
  const positional: string[] = []
  const flags = new Set<string>()
  const values = new Map<string, string>()
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!
    if (arg === '--') {
      positional.push(...rest.slice(i + 1))
      break
    }
    if (arg === '--help' || arg === '-h') return { kind: 'help' }
    if (!arg.startsWith('--') || arg === '-') {
      positional.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const name = eq > 0 ? arg.slice(0, eq) : arg
    if (spec.flags.includes(name)) {
      if (eq > 0) throw new CliError(Exit.USAGE, `${name} takes no value`)
      flags.add(name)
    } else if (spec.values.includes(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : rest[++i]
      if (value === undefined || value === '') throw new CliError(Exit.USAGE, `${name} needs a value`)
      values.set(name, value)
    } else {
      throw new CliError(Exit.USAGE, `unknown option ${name} for parley ${command}`)
    }
  }
  const server = values.get('--server') ?? (env.PARLEY_SERVER || undefined)
  if (server !== undefined) checkServer(server)
  if (command === 'send') {
    if (positional.length === 0) throw new CliError(Exit.USAGE, 'parley send needs at least one file')
    return { kind: 'send', files: positional, server: server ?? DEFAULT_SERVER }
  }
  if (positional.length !== 1) throw new CliError(Exit.USAGE, 'parley receive needs exactly one code or link')
  const timeout = values.get('--timeout')
  const seconds = timeout === undefined ? 15 : Number(timeout)
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw new CliError(Exit.USAGE, '--timeout must be a number of seconds between 0 and 3600')
  }
  return {
    kind: 'receive',
    code: positional[0]!,
    server,
    out: values.get('--out') ?? '.',
    confirm: flags.has('--confirm'),
    force: flags.has('--force'),
    timeoutMs: seconds * 1000,
  }
}

function checkServer(server: string): void {
  let url: URL
  try {
    url = new URL(server)
  } catch {
    throw new CliError(
      Exit.USAGE,
      `--server must be a URL like ${DEFAULT_SERVER}, got ${JSON.stringify(server)}`,
    )
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) {
    throw new CliError(Exit.USAGE, `--server must be an http(s) or ws(s) URL, got ${JSON.stringify(server)}`)
  }
}
