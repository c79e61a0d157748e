import { describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG, redactConfig, resolveConfig, usage } from '../src/config.js'
import { ConfigError, loadConfig } from '../src/index.js'

describe('loadConfig', () => {
  it('defaults to port 8080 on 0.0.0.0, 16 peers per room, 20 s resume grace and apps/web/dist', () => {
    const c = loadConfig([], {})
    expect(c).toMatchObject({ port: 8080, host: '0.0.0.0', maxPeersPerRoom: 16, resumeGraceMs: 20_000 })
    expect(c.staticDir.replaceAll('\\', '/')).toMatch(/\/apps\/web\/dist$/)
    expect(c.heartbeatIntervalMs * 2 + c.resumeGraceMs).toBeLessThanOrEqual(30_000)
  })

  it('reads env vars, and flags override them (--flag value and --flag=value)', () => {
    const env = { PORT: '9000', HOST: '127.0.0.1', MAX_ROOMS: '5' }
    expect(loadConfig([], env)).toMatchObject({ port: 9000, host: '127.0.0.1', maxRooms: 5 })
    expect(loadConfig(['--port', '9001', '--max-rooms=7'], env)).toMatchObject({ port: 9001, maxRooms: 7 })
  })

  it('parses sizes, durations and lists', () => {
    const c = loadConfig(
      [
        '--max-signal-size',
        '32KiB',
        '--max-message-size=48k',
        '--max-frame-size',
        '1MiB',
        '--resume-grace',
        '1.5s',
        '--heartbeat-interval',
        '250',
        '--turn-ttl',
        '1h',
        '--stun-urls',
        'stun:a:3478, stun:b:3478',
        '--allowed-origins',
        'https://a.example,http://localhost:5173',
      ],
      {},
    )
    expect(c).toMatchObject({
      maxSignalDataBytes: 32 * 1024,
      maxMessageBytes: 48 * 1024,
      maxFrameBytes: 1024 * 1024,
      resumeGraceMs: 1500,
      heartbeatIntervalMs: 250,
      turnTtlMs: 3_600_000,
      stunUrls: ['stun:a:3478', 'stun:b:3478'],
      allowedOrigins: ['https://a.example', 'http://localhost:5173'],
    })
  })

  it('ignores empty env vars', () => {
    expect(loadConfig([], { PORT: '', AUTH_SECRET: ' ' }).port).toBe(8080)
  })

  it.each([
    [['--port', '70000'], /--port \(PORT\): must be an integer from 0 to 65535/],
    [['--port', '-1'], /"-1" is not an integer/],
    [['--rate-limit', 'fast'], /--rate-limit \(RATE_LIMIT\): "fast" is not a number/],
    [['--max-frame-size', '12 parsecs'], /is not a size/],
    [['--resume-grace', '5 fortnights'], /is not a duration/],
    [['--log-level', 'loud'], /must be one of fatal, error, warn, info, debug, trace, silent/],
    [['--max-peers-per-room', '0'], /must be ≥ 1/],
    [['--port'], /--port needs a value/],
    [['--nope', '1'], /unknown option --nope/],
    [['positional'], /unexpected argument "positional"/],
    [['--tls-key', 'k.pem'], /must be given together/],
    [['--max-signal-size', '128KiB'], /--max-signal-size .* must not exceed --max-message-size/],
    [['--max-message-size', '2MiB'], /--max-message-size .* must not exceed --max-frame-size/],
    [['--stun-urls', 'http://x'], /"http:\/\/x" must start with stun: or stuns:/],
    [['--turn-urls', 'stun:x'], /must start with turn: or turns:/],
    [['--turn-secret', 's'], /--turn-urls \(TURN_URLS\) is empty/],
    [
      ['--turn-urls', 'turn:x', '--turn-secret', 's', '--turn-username', 'u', '--turn-credential', 'c'],
      /exclude each other/,
    ],
    [['--turn-urls', 'turn:x', '--turn-username', 'u'], /must be given together/],
    [['--allowed-origins', 'https://a.example/path'], /is not an origin/],
    [['--shutdown-timeout', '10s'], /must be ≤ 4000/],
  ])('rejects %j with a ConfigError naming the option', (argv, message) => {
    expect(() => loadConfig(argv, {})).toThrow(ConfigError)
    expect(() => loadConfig(argv, {})).toThrow(message)
  })
})

describe('resolveConfig (programmatic options)', () => {
  it('fills defaults and validates types of option values', () => {
    expect(resolveConfig({ port: 0 })).toEqual({ ...DEFAULT_CONFIG, port: 0 })
    expect(() => resolveConfig({ port: 1.5 })).toThrow(ConfigError)
    expect(() => resolveConfig({ rateBurst: Number.NaN })).toThrow(ConfigError)
    expect(() => resolveConfig({ host: '' })).toThrow(ConfigError)
  })
})

describe('redactConfig and usage', () => {
  it('hides secrets', () => {
    const c = loadConfig(['--auth-secret', 'x1', '--turn-urls', 'turn:h', '--turn-secret', 'x2'], {})
    const shown = JSON.stringify(redactConfig(c))
    expect(shown).not.toMatch(/x1|x2/)
    expect(redactConfig(c)).toMatchObject({ authSecret: '[redacted]', turnSecret: '[redacted]' })
  })

  it('lists every flag', () => {
    expect(usage()).toContain('--max-peers-per-room <int>')
  })
})
