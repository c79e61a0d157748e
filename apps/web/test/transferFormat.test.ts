import { describe, expect, it } from 'vitest'
import { formatBytes, formatEta, formatRate, listNames, summarizeNames } from '../src/transfer/format.js'
import { hookState } from '../src/transfer/types.js'

describe('transfer formatting', () => {
  it('formatBytes uses binary units with sensible precision', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(1023)).toBe('1023 B')
    expect(formatBytes(1536)).toBe('1.50 KB')
    expect(formatBytes(256 * 1024 * 1024)).toBe('256 MB')
    expect(formatBytes(-1)).toBe('—')
  })

  it('formatRate and formatEta read like people talk', () => {
    expect(formatRate(16.5 * 1024 * 1024)).toBe('16.5 MB/s')
    expect(formatEta(undefined)).toBe('')
    expect(formatEta(9.4)).toBe('9 s left')
    expect(formatEta(75)).toBe('1 min 15 s left')
    expect(formatEta(3 * 3600 + 120)).toBe('3 h 2 min left')
  })

  it('listNames lists 20 names a line each and counts the rest', () => {
    expect(listNames(['a', 'b'])).toBe('a\nb')
    const many = Array.from({ length: 1000 }, (_, i) => `f${i}`)
    expect(listNames(many).split('\n')).toEqual([...many.slice(0, 20), '… and 980 more'])
  })

  it('summarizeNames names the first file and counts the rest', () => {
    expect(summarizeNames(['a.txt'])).toBe('a.txt')
    expect(summarizeNames(['a.txt', 'b', 'c'])).toBe('a.txt and 2 more')
  })

  it('summarizeNames names a folder sent whole by the folder, with its file count', () => {
    expect(summarizeNames(['photos/a.jpg', 'photos/2024/b.jpg'])).toBe('photos: 2 files')
    expect(summarizeNames(['photos/a.jpg'])).toBe('photos/a.jpg')
    expect(summarizeNames(['photos/a.jpg', 'notes.txt'])).toBe('photos/a.jpg and 1 more')
    expect(summarizeNames(['photos/a.jpg', 'photos2/b.jpg'])).toBe('photos/a.jpg and 1 more')
  })

  it('hookState shows an interrupted transfer as active (it resumes by itself)', () => {
    expect(hookState('interrupted')).toBe('active')
    expect(hookState('done')).toBe('done')
  })
})
