import { run } from './run.js'

// Entry point of the `parley` bin (bundled into dist/parley.js by scripts/build.mjs).
const code = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
})
// node-datachannel keeps native threads alive: exit explicitly once the command is over.
process.exit(code)
