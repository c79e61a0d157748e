/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time and
 * the most inclusive time, in % of the samples.
 *
 *   node --import tsx bench/support/profileSummary.ts <file.cpuprofile> [--top 25] [--match <text>]
 *
 * `--match` restricts the inclusive table to functions whose name or file contains <text>.
 */
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { parseArgs } from 'node:util'

interface ProfileNode {
  readonly id: number
  readonly callFrame: {
    readonly functionName: string
    readonly url: string
    readonly lineNumber: number
  }
  readonly children?: readonly number[]
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

const { values, positionals } = parseArgs({
  options: { top: { type: 'string' }, match: { type: 'string' } },
  allowPositionals: true,
})
const file = positionals[0]
if (!file) {
  console.error('usage: profileSummary.ts <file.cpuprofile> [--top 25] [--match <text>]')
  process.exit(2)
}
const top = Number(values.top ?? 25)
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile

const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const parent = new Map<number, number>()
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)

const label = (node: ProfileNode) => {
  const { functionName, url, lineNumber } = node.callFrame
  const where = url ? `${relative(process.cwd(), url.replace(/^file:\/\//, ''))}:${lineNumber + 1}` : ''
  return `${functionName || '(anonymous)'} ${where}`.trim()
}

// Time per sample: the delta that follows it (V8 records the delta before each sample).
const self = new Map<string, number>()
const inclusive = new Map<string, number>()
let total = 0
profile.samples.forEach((id, index) => {
  const micros = profile.timeDeltas[index + 1] ?? 0
  total += micros
  const node = byId.get(id)
  if (!node) return
  self.set(label(node), (self.get(label(node)) ?? 0) + micros)
  const seen = new Set<string>()
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const name = label(byId.get(at) as ProfileNode)
    if (seen.has(name)) continue
    seen.add(name)
    inclusive.set(name, (inclusive.get(name) ?? 0) + micros)
  }
})

const print = (title: string, table: Map<string, number>, filter: (name: string) => boolean) => {
  console.log(`\n${title}`)
  for (const [name, micros] of [...table]
    .filter(([name]) => filter(name))
    .sort((x, y) => y[1] - x[1])
    .slice(0, top)) {
    console.log(`${((100 * micros) / total).toFixed(1).padStart(6)} %  ${name}`)
  }
}

console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled`)
print('self time', self, () => true)
const match = values.match
print('inclusive time', inclusive, match ? (name) => name.includes(match) : () => true)
