import { ParleyError } from '@parley/client'
import { ROOM_PATTERN } from '@parley/protocol'
import { describe, expect, it } from 'vitest'
import { parseArgs } from '../src/args.js'
import { linkFor, newCode, parseCode } from '../src/code.js'
import { CliError, describeFailure, Exit } from '../src/exit.js'
import { formatBytes, formatDuration } from '../src/ui.js'
import { WORDS } from '../src/words.js'

const usage = (argv: string[], env: Record<string, string> = {}) => {
  try {
    parseArgs(argv, env)
  } catch (error) {
    return error instanceof CliError ? [error.exitCode, error.message] : error
  }
  return 'no error'
}

describe('parseArgs', () => {
  it('parses send with files and --server, the default server coming from PARLEY_SERVER', () => {
    expect(parseArgs(['send', 'a', 'b', '--server', 'http://h:1'], {})).toEqual({
      kind: 'send',
      files: ['a', 'b'],
      server: 'http://h:1',
    })
    expect(parseArgs(['send', 'a'], { PARLEY_SERVER: 'https://p.example' })).toMatchObject({
      server: 'https://p.example',
    })
    expect(parseArgs(['send', 'a'], { PARLEY_SERVER: '' })).toMatchObject({ server: 'http://localhost:8080' })
    expect(parseArgs(['send', '--', '--weird-name'], {})).toMatchObject({ files: ['--weird-name'] })
  })

  it('parses receive with every option (and --opt=value forms)', () => {
    expect(
      parseArgs(['receive', '1-a-b', '--out=dl', '--confirm', '--force', '--timeout', '2.5'], {}),
    ).toEqual({
      kind: 'receive',
      code: '1-a-b',
      server: undefined,
      out: 'dl',
      confirm: true,
      force: true,
      timeoutMs: 2500,
    })
  })

  it.each([
    [['frobnicate'], /unknown command/],
    [['send'], /at least one file/],
    [['receive'], /exactly one code/],
    [['receive', 'a', 'b'], /exactly one code/],
    [['send', 'f', '--force'], /unknown option --force for parley send/],
    [['receive', 'c', '--out'], /--out needs a value/],
    [['receive', 'c', '--confirm=yes'], /takes no value/],
    [['receive', 'c', '--timeout', '0'], /--timeout must be/],
    [['send', 'f', '--server', 'localhost:8080'], /--server must be/],
    [['send', 'f', '--server', 'ftp://x'], /http\(s\) or ws\(s\)/],
  ])('%j is a usage error (exit 2): %s', (argv, reason) => {
    const [code, message] = usage(argv) as [number, string]
    expect(code).toBe(Exit.USAGE)
    expect(message).toMatch(reason)
  })

  it('--help and --version anywhere in the arguments', () => {
    expect(parseArgs([], {})).toEqual({ kind: 'help' })
    expect(parseArgs(['receive', '--help'], {})).toEqual({ kind: 'help' })
    expect(parseArgs(['--version'], {})).toEqual({ kind: 'version' })
  })
})

describe('codes', () => {
  it('newCode() gives number-word-word-word codes that are valid room names', () => {
    expect(new Set(WORDS).size).toBe(256)
    for (let i = 0; i < 200; i++) {
      const code = newCode()
      expect(code).toMatch(/^\d{1,2}(-[a-z]+){3}$/)
      expect(code).toMatch(ROOM_PATTERN)
    }
  })

  it('parseCode() accepts codes in any case or with spaces, and links (whose server it returns)', () => {
    expect(parseCode(' 42 Amber Falcon orbit ')).toEqual({ code: '42-amber-falcon-orbit' })
    expect(parseCode('https://p.example/r/42-amber-falcon-orbit')).toEqual({
      code: '42-amber-falcon-orbit',
      server: 'https://p.example',
    })
    expect(parseCode('http://127.0.0.1:8080/base/r/7-a-b/')).toEqual({
      code: '7-a-b',
      server: 'http://127.0.0.1:8080/base',
    })
    expect(parseCode('https://p.example/x/7-a-b')).toBeUndefined()
    expect(parseCode('no/slashes')).toBeUndefined()
    expect(parseCode('x'.repeat(65))).toBeUndefined()
    expect(linkFor('http://h:1/', '7-a-b')).toBe('http://h:1/r/7-a-b')
  })
})

describe('describeFailure', () => {
  it('maps SDK error codes to exit codes with the message on one line', () => {
    expect(describeFailure(new ParleyError('INTEGRITY', 'a\n  b'))).toEqual({
      exitCode: Exit.INTEGRITY,
      message: 'a b',
    })
    expect(describeFailure(new ParleyError('DISK_FULL', 'x')).exitCode).toBe(Exit.WRITE_FAILED)
    expect(describeFailure(new ParleyError('FILE_NOT_FOUND', 'x')).exitCode).toBe(Exit.FILE_NOT_FOUND)
    expect(describeFailure(new ParleyError('SIGNALING_UNREACHABLE', 'x')).exitCode).toBe(
      Exit.SERVER_UNREACHABLE,
    )
    expect(describeFailure(new Error('boom'))).toEqual({ exitCode: Exit.FAILURE, message: 'boom' })
  })
})

describe('formatting', () => {
  it('formatBytes() and formatDuration()', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(1536)).toBe('1.50 KiB')
    expect(formatBytes(256 * 1024 * 1024)).toBe('256.0 MiB')
    expect(formatDuration(5.4)).toBe('5s')
    expect(formatDuration(125)).toBe('2m05s')
    expect(formatDuration(7322)).toBe('2h02m')
  })
})
