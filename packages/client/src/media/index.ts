/** Public surface of the media layer (re-exported by src/index.ts). */
export { type AudioContextFactory, type AudioContextLike, AudioLevelMeter, rms } from './audioLevel.js'
export {
  type BitrateConfig,
  BitrateController,
  type BitrateControllerOptions,
  type BitrateControllerState,
  type BitrateInputs,
  type BitrateReason,
  type BitrateState,
  DEFAULT_BITRATE_CONFIG,
  decideBitrate,
  type EncodingTarget,
  initialBitrateState,
  MESH_CEILINGS,
  type MeshCeiling,
  meshCeiling,
  type SourceFormat,
  type VideoContent,
  type VideoSenderLike,
} from './BitrateController.js'
export {
  type DeviceList,
  defaultMediaEnvironment,
  LocalMedia,
  type LocalMediaEvents,
  type LocalMediaOptions,
  type LocalMediaState,
  type LocalTrackKind,
  type MediaDevicesLike,
  type MediaEnvironment,
  type ScreenState,
} from './LocalMedia.js'
