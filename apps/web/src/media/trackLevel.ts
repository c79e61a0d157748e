/**
 * Audio level (RMS, 0..1) of a MediaStreamTrack through Web Audio, for the active-speaker
 * highlight of remote participants. One AudioContext is shared by every meter.
 */
let context: AudioContext | undefined

function audioContext(): AudioContext | undefined {
  if (typeof AudioContext === 'undefined') return undefined
  context ??= new AudioContext()
  // Created before a user gesture the context starts suspended; resume when allowed.
  if (context.state === 'suspended') void context.resume().catch(() => {})
  return context
}

export interface TrackLevel {
  level(): number
  close(): void
}

export function trackLevel(track: MediaStreamTrack): TrackLevel | undefined {
  const ctx = audioContext()
  if (!ctx) return undefined
  let source: MediaStreamAudioSourceNode
  try {
    source = ctx.createMediaStreamSource(new MediaStream([track]))
  } catch {
    return undefined
  }
  const analyser = ctx.createAnalyser()
  analyser.fftSize = 2048 // ~43 ms at 48 kHz: long enough to catch syllables between samples
  source.connect(analyser)
  const samples = new Float32Array(analyser.fftSize)
  return {
    level() {
      if (ctx.state !== 'running') return 0
      analyser.getFloatTimeDomainData(samples)
      let sum = 0
      for (const s of samples) sum += s * s
      return Math.sqrt(sum / samples.length)
    },
    close() {
      source.disconnect()
      analyser.disconnect()
    },
  }
}
