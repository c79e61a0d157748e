/**
 * Adaptive send quality for ONE video RTCRtpSender (one per remote peer in the mesh).
 *
 * Every stats sample (about every 2 s) the pure {@link decideBitrate} moves a bitrate cap:
 * - multiplicative decrease when the peer reports loss > 10 % (× min(0.85, 1 − loss/2)), when the
 *   encoder is `bandwidth`-limited while sending below 70 % of the cap (then the network, not our
 *   cap, limits it: × 0.85), or when RTT ≥ 400 ms (× 0.9);
 * - hold while loss is 2–10 %;
 * - additive increase (+8 % of the ceiling) otherwise;
 * always clamped to [100 kbit/s, mesh ceiling]. The mesh ceiling shares a ~2 Mbit/s uplink among
 * the N − 1 copies a mesh participant uploads (see {@link MESH_CEILINGS}): 1:1 2 Mbit/s, 4 people
 * 600 kbit/s, 8 people 300 kbit/s each; beyond 4 people the resolution is also scaled down
 * (× 1.5 for 5–6 people, × 2 from 7).
 *
 * `scaleResolutionDownBy` is the largest of: the mesh scale, a bitrate scale (keep ≥ 0.08 bit per
 * pixel at the source frame rate) and a CPU scale (one step up while the encoder reports `cpu`
 * limitation, one step back after 5 calm samples). Screen content (track.contentHint 'detail' or
 * 'text') is never scaled: text must stay legible; the browser drops frame rate instead.
 *
 * {@link BitrateController} applies the decision with getParameters/setParameters, only when it
 * changed, one call at a time, and never throws.
 */
import type { QualityLimitationReason, QualitySample } from '../stats/quality.js'

export interface EncodingTarget {
  /** encodings[0].maxBitrate, bit/s */
  maxBitrateBps: number
  /** encodings[0].scaleResolutionDownBy (≥ 1) */
  scaleResolutionDownBy: number
}

export interface MeshCeiling extends EncodingTarget {
  /** applies to meshes of up to this many participants (the local one included) */
  maxParticipants: number
}

/** Per-copy ceilings by mesh size (participants including the local one). */
export const MESH_CEILINGS: readonly MeshCeiling[] = [
  { maxParticipants: 2, maxBitrateBps: 2_000_000, scaleResolutionDownBy: 1 },
  { maxParticipants: 3, maxBitrateBps: 1_000_000, scaleResolutionDownBy: 1 },
  { maxParticipants: 4, maxBitrateBps: 600_000, scaleResolutionDownBy: 1 },
  { maxParticipants: 5, maxBitrateBps: 450_000, scaleResolutionDownBy: 1.5 },
  { maxParticipants: 6, maxBitrateBps: 380_000, scaleResolutionDownBy: 1.5 },
  { maxParticipants: 7, maxBitrateBps: 330_000, scaleResolutionDownBy: 2 },
  { maxParticipants: 8, maxBitrateBps: 300_000, scaleResolutionDownBy: 2 },
]

export interface BitrateConfig {
  ceilings: readonly MeshCeiling[]
  /** beyond the last ceiling: this total uplink budget is shared by the N − 1 copies */
  uplinkBudgetBps: number
  minBitrateBps: number
  /** loss above this → decrease */
  decreaseLossPct: number
  /** loss at or below this (and no other trouble) → increase */
  increaseLossPct: number
  highRttMs: number
  /** additive increase per sample, as a fraction of the ceiling */
  increaseStep: number
  /** bandwidth limitation counts when sending below this fraction of the cap */
  networkLimitedBelow: number
  /** bits per pixel (at the source frame rate) below which resolution is scaled down */
  minBitsPerPixel: number
  /** calm samples before a CPU scale step is undone */
  cpuRecoverySamples: number
}

export const DEFAULT_BITRATE_CONFIG: BitrateConfig = {
  ceilings: MESH_CEILINGS,
  uplinkBudgetBps: 2_400_000,
  minBitrateBps: 100_000,
  decreaseLossPct: 10,
  increaseLossPct: 2,
  highRttMs: 400,
  increaseStep: 0.08,
  networkLimitedBelow: 0.7,
  minBitsPerPixel: 0.08,
  cpuRecoverySamples: 5,
}

/** The scale steps used for scaleResolutionDownBy. */
export const SCALE_STEPS = [1, 1.5, 2, 3, 4] as const

export type VideoContent = 'camera' | 'screen'

export interface SourceFormat {
  width: number
  height: number
  frameRate: number
}

export interface BitrateInputs {
  /** loss our peer reports for what we send (outbound.packetsLostPct); undefined: unknown */
  lossPct: number | undefined
  rttMs: number | undefined
  limitation: QualityLimitationReason | undefined
  /** what we currently send (outbound bitrate), bit/s; undefined: unknown */
  sendBitrateBps: number | undefined
  /** participants in the room, the local one included */
  meshSize: number
  content: VideoContent
  source: SourceFormat | undefined
}

export type BitrateReason =
  | 'increase'
  | 'hold'
  | 'decrease-loss'
  | 'decrease-bandwidth'
  | 'decrease-rtt'
  | 'ceiling'
  | 'floor'

export interface BitrateState {
  bitrateBps: number
  /** CPU scale step index into SCALE_STEPS */
  cpuStep: number
  /** consecutive samples without CPU limitation */
  calmSamples: number
}

export function meshCeiling(
  meshSize: number,
  config: BitrateConfig = DEFAULT_BITRATE_CONFIG,
): EncodingTarget {
  const size = Math.max(2, Math.floor(meshSize))
  const row = config.ceilings.find((c) => size <= c.maxParticipants)
  if (row) return { maxBitrateBps: row.maxBitrateBps, scaleResolutionDownBy: row.scaleResolutionDownBy }
  const last = config.ceilings.at(-1)
  return {
    maxBitrateBps: Math.max(config.minBitrateBps, Math.round(config.uplinkBudgetBps / (size - 1))),
    scaleResolutionDownBy: last?.scaleResolutionDownBy ?? 2,
  }
}

export function initialBitrateState(
  meshSize: number,
  config: BitrateConfig = DEFAULT_BITRATE_CONFIG,
): BitrateState {
  // Start at the ceiling: the browser's own congestion control ramps up below it.
  return { bitrateBps: meshCeiling(meshSize, config).maxBitrateBps, cpuStep: 0, calmSamples: 0 }
}

/** The largest scale step not above `scale` (so that 1.2 → 1, 1.7 → 1.5, 9 → 4). */
export function floorToScaleStep(scale: number): number {
  let step: number = SCALE_STEPS[0]
  for (const s of SCALE_STEPS) if (s <= scale) step = s
  return step
}

/** Scale that keeps at least `minBitsPerPixel` at the source frame rate (1 without a source). */
export function bitrateScale(
  bitrateBps: number,
  source: SourceFormat | undefined,
  minBitsPerPixel: number,
): number {
  if (!source || source.width <= 0 || source.height <= 0 || source.frameRate <= 0) return 1
  const pixelRate = source.width * source.height * source.frameRate
  const affordable = bitrateBps / minBitsPerPixel
  return floorToScaleStep(Math.sqrt(pixelRate / affordable))
}

/**
 * One step of the controller: the next state, the encoding to apply and why.
 * Pure: same inputs, same outputs.
 */
export function decideBitrate(
  state: BitrateState,
  inputs: BitrateInputs,
  config: BitrateConfig = DEFAULT_BITRATE_CONFIG,
): { state: BitrateState; target: EncodingTarget; reason: BitrateReason } {
  const ceiling = meshCeiling(inputs.meshSize, config)
  const loss = inputs.lossPct ?? 0
  let bitrate = state.bitrateBps
  let reason: BitrateReason
  const networkLimited =
    inputs.limitation === 'bandwidth' &&
    inputs.sendBitrateBps !== undefined &&
    inputs.sendBitrateBps < config.networkLimitedBelow * state.bitrateBps
  if (loss > config.decreaseLossPct) {
    bitrate *= Math.min(0.85, 1 - loss / 200)
    reason = 'decrease-loss'
  } else if (networkLimited) {
    bitrate *= 0.85
    reason = 'decrease-bandwidth'
  } else if (inputs.rttMs !== undefined && inputs.rttMs >= config.highRttMs) {
    bitrate *= 0.9
    reason = 'decrease-rtt'
  } else if (loss > config.increaseLossPct) {
    reason = 'hold'
  } else {
    bitrate += config.increaseStep * ceiling.maxBitrateBps
    reason = 'increase'
  }
  if (bitrate > ceiling.maxBitrateBps) {
    bitrate = ceiling.maxBitrateBps
    if (reason === 'increase' || reason === 'hold') reason = 'ceiling'
  }
  if (bitrate <= config.minBitrateBps) {
    bitrate = config.minBitrateBps
    reason = 'floor'
  }
  bitrate = Math.round(bitrate)

  let { cpuStep, calmSamples } = state
  if (inputs.limitation === 'cpu') {
    cpuStep = Math.min(SCALE_STEPS.length - 1, cpuStep + 1)
    calmSamples = 0
  } else if (cpuStep > 0 && ++calmSamples >= config.cpuRecoverySamples) {
    cpuStep -= 1
    calmSamples = 0
  }

  const scale =
    inputs.content === 'screen'
      ? 1
      : Math.max(
          ceiling.scaleResolutionDownBy,
          bitrateScale(bitrate, inputs.source, config.minBitsPerPixel),
          SCALE_STEPS[cpuStep] ?? 1,
        )
  return {
    state: { bitrateBps: bitrate, cpuStep, calmSamples },
    target: { maxBitrateBps: bitrate, scaleResolutionDownBy: scale },
    reason,
  }
}

/** Whether applying `next` over `current` is worth a setParameters call (≥ 5 % or a new scale). */
export function targetChanged(current: EncodingTarget | undefined, next: EncodingTarget): boolean {
  if (!current) return true
  if (current.scaleResolutionDownBy !== next.scaleResolutionDownBy) return true
  return Math.abs(next.maxBitrateBps - current.maxBitrateBps) >= 0.05 * current.maxBitrateBps
}

// ------------------------------------------------------------------ applier

/** What the controller needs of an RTCRtpSender. */
export interface VideoSenderLike {
  readonly track: Pick<MediaStreamTrack, 'kind' | 'contentHint' | 'getSettings'> | null
  getParameters(): RTCRtpSendParameters
  setParameters(parameters: RTCRtpSendParameters): Promise<void>
}

interface LogSink {
  debug(...args: unknown[]): void
  warn(...args: unknown[]): void
}

export interface BitrateControllerOptions {
  /** participants in the room, the local one included (default 2) */
  meshSize?: number
  config?: Partial<BitrateConfig>
  logger?: LogSink
}

export type BitrateControllerState = 'active' | 'closed'

/**
 * Applies {@link decideBitrate} to one video sender. `update()` and `setMeshSize()` never throw
 * and never reject: a failed setParameters is logged and retried on the next sample.
 * `close()` is idempotent and stops further changes (it does not reset the sender).
 */
export class BitrateController {
  readonly #sender: VideoSenderLike
  readonly #config: BitrateConfig
  readonly #logger: LogSink | undefined
  #meshSize: number
  #state: BitrateState
  #lifecycle: BitrateControllerState = 'active'
  #applied: EncodingTarget | undefined
  #wanted: EncodingTarget
  #applying: Promise<void> | undefined
  #lastSample: QualitySample | undefined

  constructor(sender: VideoSenderLike, options: BitrateControllerOptions = {}) {
    this.#sender = sender
    this.#config = { ...DEFAULT_BITRATE_CONFIG, ...options.config }
    this.#logger = options.logger
    this.#meshSize = options.meshSize ?? 2
    this.#state = initialBitrateState(this.#meshSize, this.#config)
    this.#wanted = this.#decide(undefined).target
  }

  get state(): BitrateControllerState {
    return this.#lifecycle
  }

  /** The encoding last applied successfully (undefined before the first success). */
  get applied(): EncodingTarget | undefined {
    return this.#applied
  }

  /** The encoding the controller currently wants. */
  get target(): EncodingTarget {
    return this.#wanted
  }

  get meshSize(): number {
    return this.#meshSize
  }

  /** Re-scales to a new mesh size at once (a lower ceiling applies immediately). */
  setMeshSize(meshSize: number): Promise<void> {
    if (this.#lifecycle === 'closed' || meshSize === this.#meshSize) return Promise.resolve()
    this.#meshSize = meshSize
    const ceiling = meshCeiling(meshSize, this.#config).maxBitrateBps
    // a lower ceiling clamps now; a higher one is reached by additive increase
    this.#state = { ...this.#state, bitrateBps: Math.min(this.#state.bitrateBps, ceiling) }
    this.#wanted = this.#target()
    return this.#apply()
  }

  /** Feeds one stats sample of this sender's peer connection; applies the decision if it changed. */
  update(sample: QualitySample): Promise<void> {
    if (this.#lifecycle === 'closed') return Promise.resolve()
    this.#lastSample = sample
    const decision = this.#decide(sample)
    this.#state = decision.state
    this.#wanted = decision.target
    this.#logger?.debug({ reason: decision.reason, target: decision.target }, 'bitrate decision')
    return this.#apply()
  }

  /** Applies the current target again (e.g. after a replaceTrack changed the content kind). */
  refresh(): Promise<void> {
    if (this.#lifecycle === 'closed') return Promise.resolve()
    this.#wanted = this.#target()
    return this.#apply()
  }

  close(): void {
    this.#lifecycle = 'closed'
  }

  #inputs(sample: QualitySample | undefined): BitrateInputs {
    const track = this.#sender.track
    const hint = track?.contentHint
    let source: SourceFormat | undefined
    try {
      const s = track?.getSettings()
      if (s?.width && s.height) source = { width: s.width, height: s.height, frameRate: s.frameRate ?? 30 }
    } catch {
      source = undefined
    }
    return {
      lossPct: sample?.outbound.packetsLostPct,
      rttMs: sample?.rttMs,
      limitation: sample?.limitation,
      sendBitrateBps: sample ? sample.outbound.bitrateKbps * 1000 : undefined,
      meshSize: this.#meshSize,
      content: hint === 'detail' || hint === 'text' ? 'screen' : 'camera',
      source,
    }
  }

  #decide(sample: QualitySample | undefined) {
    if (!sample) {
      // no measurement: just the ceiling and scales for the current state
      return { state: this.#state, target: this.#target(), reason: 'hold' as const }
    }
    return decideBitrate(this.#state, this.#inputs(sample), this.#config)
  }

  #target(): EncodingTarget {
    // Re-evaluate scales without moving the bitrate: a zero-change "hold" step.
    const inputs = this.#inputs(this.#lastSample)
    const ceiling = meshCeiling(this.#meshSize, this.#config)
    const bitrate = Math.min(this.#state.bitrateBps, ceiling.maxBitrateBps)
    const scale =
      inputs.content === 'screen'
        ? 1
        : Math.max(
            ceiling.scaleResolutionDownBy,
            bitrateScale(bitrate, inputs.source, this.#config.minBitsPerPixel),
            SCALE_STEPS[this.#state.cpuStep] ?? 1,
          )
    return { maxBitrateBps: bitrate, scaleResolutionDownBy: scale }
  }

  /** One setParameters at a time; a newer target supersedes a queued one. */
  #apply(): Promise<void> {
    this.#applying = (this.#applying ?? Promise.resolve()).then(() => this.#applyNow())
    return this.#applying
  }

  async #applyNow(): Promise<void> {
    const wanted = this.#wanted
    if (this.#lifecycle === 'closed' || !targetChanged(this.#applied, wanted)) return
    if (this.#sender.track?.kind !== 'video') return
    try {
      const params = this.#sender.getParameters()
      const encoding = params.encodings?.[0]
      // Before negotiation there are no encodings yet: try again with the next sample.
      if (!encoding) return
      encoding.maxBitrate = wanted.maxBitrateBps
      encoding.scaleResolutionDownBy = wanted.scaleResolutionDownBy
      await this.#sender.setParameters(params)
      this.#applied = wanted
    } catch (error) {
      this.#logger?.warn({ err: error, target: wanted }, 'could not apply video encoding parameters')
    }
  }
}
