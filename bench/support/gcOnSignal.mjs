// Preloaded into measured server processes (`node --expose-gc --import <this file> server.js`) so that the
// benchmark can ask for a full garbage collection (SIGUSR2) before reading the resident set size.
// It touches nothing else in the process and is applied to every server alike.
process.on('SIGUSR2', () => {
  globalThis.gc?.()
})
