import { describe, expect, it } from 'vitest'
import {
  distinctPaths,
  folderPrefixes,
  MAX_FOLDER_DEPTH,
  safeRelativePath,
} from '../src/transfer/fileName.js'

describe('safeRelativePath', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['photos/2024/a.jpg', 'photos/2024/a.jpg'],
    ['photos\\2024\\a.jpg', 'photos/2024/a.jpg'],
    ['../../etc/passwd', 'etc/passwd'],
    ['/abs/path/x.bin', 'abs/path/x.bin'],
    ['a/./b//c.txt', 'a/b/c.txt'],
    ['a/../../b.txt', 'a/b.txt'],
    ['a/ .. /b.txt', 'a/b.txt'],
    ['dir/', 'dir'],
    ['../', 'file'],
    ['', 'file'],
    ['.git/config', 'git/config'],
    ['CON/aux.txt', '_CON/_aux.txt'],
    ['x.parley-part/y', 'x.parley-part_/y'],
    ['a\u0000b/c?.txt', 'a_b/c_.txt'],
  ])('safeRelativePath(%j) is %j', (input, expected) => {
    expect(safeRelativePath(input)).toBe(expected)
  })

  it('keeps the innermost folders of a path deeper than the limit', () => {
    const deep = [...Array.from({ length: MAX_FOLDER_DEPTH + 8 }, (_, i) => `d${i}`), 'f.txt'].join('/')
    const parts = safeRelativePath(deep).split('/')
    expect(parts).toHaveLength(MAX_FOLDER_DEPTH + 1)
    expect(parts[0]).toBe('d8')
    expect(parts.at(-1)).toBe('f.txt')
  })
})

describe('folderPrefixes', () => {
  it('lists the folders of a path outermost first, none for a bare name', () => {
    expect(folderPrefixes('a/b/c.txt')).toEqual(['a', 'a/b'])
    expect(folderPrefixes('c.txt')).toEqual([])
  })
})

describe('distinctPaths', () => {
  it('numbers a repeated name within its own folder, letter case aside', () => {
    expect(distinctPaths(['a/x.txt', 'a/X.txt', 'b/x.txt', 'x.txt'])).toEqual([
      'a/x.txt',
      'a/X (1).txt',
      'b/x.txt',
      'x.txt',
    ])
  })

  it('never gives a file the name of a folder the offer needs, whatever the order', () => {
    expect(distinctPaths(['a', 'a/b.txt'])).toEqual(['a (1)', 'a/b.txt'])
    expect(distinctPaths(['a/b.txt', 'A'])).toEqual(['a/b.txt', 'A (1)'])
  })

  it('avoids the paths `taken` reports', () => {
    const there = new Set(['docs/readme.md'])
    expect(distinctPaths(['docs/readme.md', '../docs/readme.md'], (p) => there.has(p))).toEqual([
      'docs/readme (1).md',
      'docs/readme (2).md',
    ])
  })
})
