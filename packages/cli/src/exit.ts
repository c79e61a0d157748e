import { isParleyError } from '@parley/client'

/** Exit codes of the `parley` command (documented in --help and docs/file-transfer.md). */
export const Exit = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  FILE_NOT_FOUND: 3,
  SERVER_UNREACHABLE: 4,
  NO_SUCH_CODE: 5,
  DECLINED: 6,
  CANCELLED: 7,
  INTEGRITY: 8,
  WRITE_FAILED: 9,
  FILE_EXISTS: 10,
  INTERRUPTED: 130,
} as const
export type ExitCode = (typeof Exit)[keyof typeof Exit]

/** A failure with its exit code and a one-line reason for the user. */
export class CliError extends Error {
  readonly exitCode: ExitCode
  constructor(exitCode: ExitCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'CliError'
    this.exitCode = exitCode
  }
}

/** Exit code and one-line message for anything thrown. */
export function describeFailure(error: unknown): { exitCode: ExitCode; message: string } {
  if (error instanceof CliError) return { exitCode: error.exitCode, message: error.message }
  if (isParleyError(error)) {
    const byCode: Partial<Record<string, ExitCode>> = {
      FILE_NOT_FOUND: Exit.FILE_NOT_FOUND,
      READ_FAILED: Exit.FILE_NOT_FOUND,
      SIGNALING_UNREACHABLE: Exit.SERVER_UNREACHABLE,
      DECLINED: Exit.DECLINED,
      CANCELLED: Exit.CANCELLED,
      INTEGRITY: Exit.INTEGRITY,
      DISK_FULL: Exit.WRITE_FAILED,
      WRITE_FAILED: Exit.WRITE_FAILED,
      FILE_EXISTS: Exit.FILE_EXISTS,
      INVALID_ARGUMENT: Exit.USAGE,
    }
    return { exitCode: byCode[error.code] ?? Exit.FAILURE, message: oneLine(error.message) }
  }
  return { exitCode: Exit.FAILURE, message: oneLine(error instanceof Error ? error.message : String(error)) }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim()
}
