import { describe, expect, it } from 'vitest'
import type { SentDigest } from '../src/transfer/messages.js'
import { fileStart } from '../src/transfer/receiverSinks.js'
import type { VerifiedFile } from '../src/transfer/TransferJournal.js'

const SIZE = 1000
const verified: VerifiedFile = { id: '0', digest: 'sha256-list', sha256: 'a'.repeat(64) }
const same: SentDigest = { ...verified }
const other: SentDigest = { ...verified, sha256: 'b'.repeat(64) }
const otherDigest: SentDigest = { ...verified, digest: 'sha256' }

describe('fileStart (where an accepted file starts after a reload)', () => {
  it.each<[string, number, VerifiedFile | undefined, SentDigest | undefined, ReturnType<typeof fileStart>]>([
    [
      'verified before, whole, sender agrees → completed',
      SIZE,
      verified,
      same,
      { kind: 'completed', verified },
    ],
    [
      'verified before, whole, sender says nothing (older sender) → completed',
      SIZE,
      verified,
      undefined,
      { kind: 'completed', verified },
    ],
    [
      'verified before, whole, sender announces another digest → verified in place',
      SIZE,
      verified,
      other,
      { kind: 'resume', offset: SIZE },
    ],
    [
      'verified before, whole, sender announces another algorithm → verified in place',
      SIZE,
      verified,
      otherDigest,
      { kind: 'resume', offset: SIZE },
    ],
    [
      'verified before, data shorter (partly lost) → resumes from what is stored',
      400,
      verified,
      same,
      { kind: 'resume', offset: 400 },
    ],
    ['verified before, data gone → from 0', 0, verified, same, { kind: 'resume', offset: 0 }],
    [
      'not recorded, whole → verified in place (never taken on trust)',
      SIZE,
      undefined,
      same,
      { kind: 'resume', offset: SIZE },
    ],
    ['not recorded, partial → resumes', 10, undefined, undefined, { kind: 'resume', offset: 10 }],
  ])('%s', (_name, stored, record, sent, expected) => {
    expect(fileStart(SIZE, stored, record, sent)).toEqual(expected)
  })
})
