/**
 * The one place the web app touches @parley/client: binds the narrow ports the app is written
 * against to the real SDK (the assignments below make the compiler check that the SDK fits them).
 */
import { AudioLevelMeter, LocalMedia, Room } from '@parley/client'
import type { JoinRequest, LocalMediaPort, MediaPort, MeterTrack, RoomPort } from './ports.js'
import type { Sdk } from './Sdk.js'

const media: MediaPort = {
  create: (request): Promise<LocalMediaPort> =>
    LocalMedia.create({ audio: request.audio, video: request.video }),
  listDevices: () => LocalMedia.listDevices(),
}

async function joinRoom({ serverUrl, room, name, local }: JoinRequest): Promise<RoomPort> {
  const published = local instanceof LocalMedia ? local : undefined
  const joined: RoomPort = await Room.join(serverUrl, room, {
    name,
    ...(published ? { media: published } : {}),
  })
  return joined
}

const meterTrack: MeterTrack = (track) => AudioLevelMeter.forTrack(track)

export const sdk: Sdk = { media, joinRoom, meterTrack }
