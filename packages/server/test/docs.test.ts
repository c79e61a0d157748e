import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ERROR_CODES } from '@parley/protocol'
import { describe, expect, it } from 'vitest'
import { OPTION_SPECS } from '../src/config.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..')
const read = (path: string): string => readFileSync(join(root, path), 'utf8')

describe('documentation', () => {
  it('README keeps its quick start and documents every server option with its env var', () => {
    const readme = read('README.md')
    expect(readme).toContain('npm install && npm start    # server + web app on http://localhost:8080')
    for (const s of OPTION_SPECS)
      expect(readme).toMatch(new RegExp(`\\| \`${s.flag}\` +\\| \`${s.env}\` +\\|`))
  })

  it('docs/protocol.md documents every error code', () => {
    const protocol = read('docs/protocol.md')
    for (const code of ERROR_CODES) expect(protocol).toMatch(new RegExp(`\\| \`${code}\` +\\|`))
  })
})
