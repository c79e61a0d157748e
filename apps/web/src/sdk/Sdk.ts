import type { TransferSource } from '../transfer/TransferSource.js'
import type { JoinRoom, MediaPort, MeterTrack, RoomPort } from './ports.js'

/** The SDK entry points the pages use (the real binding is in parley.ts; tests may pass fakes). */
export interface Sdk {
  readonly media: MediaPort
  readonly joinRoom: JoinRoom
  readonly meterTrack: MeterTrack
  /** File transfers over a joined room; `onError` gets problems to show to the person. */
  readonly createTransfers: (
    room: RoomPort,
    onError: (message: string) => void,
  ) => TransferSource & { close(): void }
}
