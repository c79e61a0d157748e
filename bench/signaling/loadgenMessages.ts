/** Messages between the signaling benchmark's orchestrator and its load-generator processes (IPC). */

/** `parleyAlt` is another build of the Parley server (--parley-alt), for A/B comparisons. */
export const TARGET_NAMES = ['parley', 'parleyAlt', 'peerjs', 'wsRelay', 'wsForward'] as const
export type TargetName = (typeof TARGET_NAMES)[number]
export const DEFAULT_TARGETS: readonly TargetName[] = ['parley', 'peerjs', 'wsRelay', 'wsForward']

export interface SetupRelayCommand {
  readonly cmd: 'setupRelay'
  readonly target: TargetName
  readonly port: number
  readonly pairs: number
  /** Signals in flight per pair (ping-ponged between its two clients). */
  readonly inflight: number
  readonly payloadBytes: number
  /** Server process whose CPU time is read at the edges of each measurement window. */
  readonly serverPid: number
  readonly localAddresses: readonly string[]
  /** Makes client ids and room names unique on the server. */
  readonly tag: string
}

export interface RunCommand {
  readonly cmd: 'run'
  readonly warmupMs: number
  readonly windowMs: number
}

export interface OpenIdleCommand {
  readonly cmd: 'openIdle'
  readonly target: TargetName
  readonly port: number
  /** Clients are opened by pairs (Parley: one room of 2 per pair). */
  readonly pairs: number
  readonly localAddresses: readonly string[]
  /** Pairs being opened at the same time. */
  readonly concurrency: number
  readonly tag: string
}

export interface CloseIdleCommand {
  readonly cmd: 'closeIdle'
}

export type LoadgenCommand = SetupRelayCommand | RunCommand | OpenIdleCommand | CloseIdleCommand

export interface RunResult {
  /** Signals delivered to clients during the window. */
  readonly signals: number
  readonly windowMs: number
  /** CPU time (user + system) the server process used during the window. */
  readonly serverCpuUs: number
  /** The part of serverCpuUs spent in the kernel (system time). */
  readonly serverSystemCpuUs: number
  /** CPU time the load generator process used during the window. */
  readonly loadgenCpuUs: number
  /** CPU time every process of the machine used during the window (all cores). */
  readonly machineCpuUs: number
  /** Relay latency histogram of the window (see LatencyHistogram.toJSON). */
  readonly latency: Array<[number, number]>
  readonly errors: number
  readonly firstError?: string
}

export interface IdleResult {
  readonly connections: number
  readonly failed: number
  readonly elapsedMs: number
  readonly firstError?: string
}

export interface SetupResult {
  readonly clients: number
}

export type LoadgenResult = RunResult | IdleResult | SetupResult | Record<string, never>

export type LoadgenRequest = LoadgenCommand & { readonly seq: number }

export type LoadgenReply =
  | { readonly seq: number; readonly ok: true; readonly result: LoadgenResult }
  | { readonly seq: number; readonly ok: false; readonly error: string }
