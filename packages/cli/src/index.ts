/** The `parley` command line: `run()` is what bin/parley.js executes. */
export { type Command, DEFAULT_SERVER, parseArgs, USAGE } from './args.js'
export { linkFor, newCode, type ParsedCode, parseCode } from './code.js'
export { CliError, describeFailure, Exit, type ExitCode } from './exit.js'
export { run } from './run.js'
