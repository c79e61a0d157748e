import { parseArgs, USAGE } from './args.js'
import { describeFailure, Exit, type ExitCode } from './exit.js'
import { receive } from './receive.js'
import { send } from './send.js'
import type { Io } from './ui.js'

export const VERSION = '0.1.0'

/** Runs one command; resolves with the exit code (failures are reported on stderr, one line). */
export async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  try {
    const command = parseArgs(argv, io.env)
    switch (command.kind) {
      case 'help':
        io.stdout.write(`${USAGE}\n`)
        return Exit.OK
      case 'version':
        io.stdout.write(`parley ${VERSION}\n`)
        return Exit.OK
      case 'send':
        return await send(command, io)
      case 'receive':
        return await receive(command, io)
    }
  } catch (error) {
    const { exitCode, message } = describeFailure(error)
    io.stderr.write(`parley: ${message}\n`)
    return exitCode
  }
}
