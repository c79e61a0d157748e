import { defineConfig, type Plugin } from 'vite'
import { downloadServiceWorkerSource } from '../../packages/client/src/transfer/browser/download/serviceWorkerSource.js'

// Preact through Vite's built-in oxc JSX transform (no Babel preset needed).
// In development the app talks to the signaling server on its own origin: the WebSocket path is
// proxied to a local Parley server (PARLEY_SERVER, default http://127.0.0.1:8080).
const signaling = process.env.PARLEY_SERVER ?? 'http://127.0.0.1:8080'

/** Where the app serves the SDK's download service worker (src/sdk/downloads.ts registers it). */
const DOWNLOAD_WORKER = 'parley-sw.js'

/**
 * Serves the SDK's download service worker script at /parley-sw.js: emitted into the build (a
 * fixed, unhashed name: a service worker's URL must stay the same) and answered by the dev server.
 */
function downloadWorker(): Plugin {
  const source = downloadServiceWorkerSource()
  return {
    name: 'parley-download-worker',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: DOWNLOAD_WORKER, source })
    },
    configureServer(server) {
      server.middlewares.use(`/${DOWNLOAD_WORKER}`, (_req, res) => {
        res.setHeader('Content-Type', 'text/javascript; charset=utf-8')
        res.setHeader('Cache-Control', 'no-cache')
        res.end(source)
      })
    },
  }
}

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  plugins: [downloadWorker()],
  server: {
    proxy: { '/ws': { target: signaling, ws: true } },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 400,
  },
})
