/** Command-line plumbing shared by the benchmarks: option checks, usage errors, the exit codes. */

/** Bad command-line arguments: reported without a stack trace, exit code 2. */
export class UsageError extends Error {}

/** Runs an option parser; whatever it throws becomes a UsageError. */
export function parseUsage<T>(parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

/** The integer value of `--<name>` (`text`), `fallback` when absent; throws unless an integer ≥ `min`. */
export function intOption(name: string, text: string | undefined, fallback: number, min: number): number {
  const value = text === undefined ? fallback : Number(text)
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer ≥ ${min}`)
  return value
}

/** A comma-separated `--variants` value (all of `known` when absent); throws on an unknown name. */
export function variantList<V extends string>(text: string | undefined, known: readonly V[]): V[] {
  const variants = (text ?? known.join(',')).split(',').map((v) => v.trim())
  for (const v of variants) {
    if (!(known as readonly string[]).includes(v)) throw new Error(`unknown variant ${v} (${known})`)
  }
  return variants as V[]
}

/** Runs a benchmark's main: exit 0 when done, 2 on a usage error (message only), 1 otherwise. */
export function runMain(main: () => Promise<void>, log: (message: string) => void): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      if (error instanceof UsageError) {
        log(error.message)
        process.exit(2)
      }
      log(error instanceof Error ? (error.stack ?? error.message) : String(error))
      process.exit(1)
    },
  )
}
