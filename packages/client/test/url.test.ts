import { describe, expect, it } from 'vitest'
import { isParleyError } from '../src/errors.js'
import { signalingUrl } from '../src/url.js'

describe('signalingUrl', () => {
  it('maps http(s) server addresses to the ws(s) /ws endpoint', () => {
    expect(signalingUrl('http://127.0.0.1:8080')).toBe('ws://127.0.0.1:8080/ws')
    expect(signalingUrl('https://parley.example')).toBe('wss://parley.example/ws')
    expect(signalingUrl('https://parley.example/base/')).toBe('wss://parley.example/base/ws')
    expect(signalingUrl('https://parley.example/#x')).toBe('wss://parley.example/ws')
  })

  it('keeps ws(s) URLs, adding /ws when there is no path', () => {
    expect(signalingUrl('wss://h:1/ws')).toBe('wss://h:1/ws')
    expect(signalingUrl('ws://h:1')).toBe('ws://h:1/ws')
  })

  it('rejects other schemes and garbage with INVALID_ARGUMENT', () => {
    for (const bad of ['ftp://h', 'not a url', '']) {
      let error: unknown
      try {
        signalingUrl(bad)
      } catch (e) {
        error = e
      }
      expect(isParleyError(error, 'INVALID_ARGUMENT')).toBe(true)
    }
  })
})
