import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { projectRoot } from '../../../services/common/project-root.js'
import { MINIMUM_NODE, unsupportedNodeSentence } from '../../../services/common/supported-node.js'
import { userNode } from '../../helpers/user-path.js'

const root = projectRoot(import.meta.url)
const packageJson = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { engines: { node: string } }

describe('the oldest supported Node', () => {
  it('is what package.json promises in engines.node', () => {
    expect(packageJson.engines.node).toBe(`>=${MINIMUM_NODE.major}.${MINIMUM_NODE.minor}.0`)
  })

  it.each([
    ['v20.20.2', true],
    ['v22.11.0', true],
    ['v22.12.0', false],
    ['v22.23.5', false],
    ['v24.22.3', false],
    ['v26.0.0', false],
  ])('%s is refused: %s', (version, refused) => {
    expect(unsupportedNodeSentence(version) !== undefined).toBe(refused)
  })

  it('refuses with one sentence that names both versions and the way out', () => {
    const sentence = unsupportedNodeSentence('v20.20.2') ?? ''
    expect(sentence).toContain('Node 22.12 or newer')
    expect(sentence).toContain('v20.20.2')
    expect(sentence).toContain('npm start')
    expect(sentence.match(/[.!?](\s|$)/g)).toHaveLength(1) // one sentence
  })

  // A machine whose own Node is too old (this project's CI machine has Node 20): the check must
  // run before any library loads, whatever that library does on an old Node.
  const old = userNode()
  const tooOld = old !== undefined && unsupportedNodeSentence(old.version) !== undefined
  it.skipIf(!tooOld).each(['services/cluster/main.js', 'proxy/main.js', 'loadtest/bench/bench-proxy.js'])(
    '`node dist/%s` on the machine’s older Node prints that sentence alone and exits 1',
    async (script) => {
      const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(old?.path ?? 'node', [`dist/${script}`], { cwd: root, timeout: 30_000 }, (err, stdout, stderr) => {
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr })
        })
      })
      expect(code).toBe(1)
      expect(stdout).toBe('')
      expect(stderr).toBe(`${unsupportedNodeSentence(old?.version ?? '')}\n`)
    },
  )
})
