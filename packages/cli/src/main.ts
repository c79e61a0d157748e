import { run } from './run.js'

// Entry point of the `parley` bin (bundled into dist/parley.js by scripts/build.mjs).
const streams = [process.stdout, process.stderr]
// A reader that went away (`parley receive … | head -1`) must not kill a transfer: its output is
// dropped, the files are still received and verified.
for (const stream of streams) stream.on('error', () => {})
const code = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
})
await flushed(streams, 5000)
// node-datachannel keeps native threads alive: exit explicitly once the command is over.
process.exit(code)

/**
 * Resolves once what was written to the streams is out (or after `ms`: a reader that stopped
 * reading): on a pipe, writes past its buffer (64 KiB here) wait in the process, and exit() drops
 * them — a `parley receive` of 1,200 files printed about half of its "Saved" lines to a pipe.
 */
function flushed(targets: readonly NodeJS.WriteStream[], ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
  })
  // an empty write's callback runs after every write queued before it
  const all = Promise.all(targets.map((s) => new Promise<void>((resolve) => s.write('', () => resolve()))))
  return Promise.race([all.then(() => {}), timeout]).finally(() => clearTimeout(timer))
}
