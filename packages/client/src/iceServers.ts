import type { WelcomeMessage } from '@parley/protocol'

/** The ICE servers of a welcome followed by the application's own, without duplicates. */
export function mergeIceServers(
  fromServer: WelcomeMessage['iceServers'],
  extra: readonly RTCIceServer[] = [],
): RTCIceServer[] {
  return dedupeIceServers([
    ...fromServer.map((s) => {
      const server: RTCIceServer = { urls: s.urls }
      if (s.username !== undefined) server.username = s.username
      if (s.credential !== undefined) server.credential = s.credential
      return server
    }),
    ...extra,
  ])
}

function dedupeIceServers(servers: readonly RTCIceServer[]): RTCIceServer[] {
  const seen = new Set<string>()
  return servers.filter((s) => {
    const key = JSON.stringify([s.urls, s.username ?? null, s.credential ?? null])
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
