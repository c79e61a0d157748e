import { defineConfig } from 'vite'

// Preact through Vite's built-in oxc JSX transform (no Babel preset needed).
// In development the app talks to the signaling server on its own origin: the WebSocket path is
// proxied to a local Parley server (PARLEY_SERVER, default http://127.0.0.1:8080).
const signaling = process.env.PARLEY_SERVER ?? 'http://127.0.0.1:8080'

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
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
