import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../../../workshop/code-track/workspace.js'

// `code plug N`'s promise: a process started with the plug-in (as npm start's clerks and proxy
// are, through NODE_OPTIONS) uses the learner's built file wherever the project imports the
// module it replaces, here the proxy's policy.ts importing pickers.js, and nothing changes
// without CODE_TRACK_PLUG. The built project (dist/, from the test run's global setup) is used.

const run = promisify(execFile)
const dist = (path: string) => pathToFileURL(join(PROJECT_ROOT, 'dist', path)).href

// the real pickers, with least-connections replaced by one that says who it is
const learnerJs = `import { pickRoundRobin } from '${dist('proxy/balance/pickers.js')}'
export * from '${dist('proxy/balance/pickers.js')}'
export function pickLeastConnections() { throw new Error('the learner was here') }
export const PICKERS = { 'round-robin': pickRoundRobin, 'least-connections': pickLeastConnections }
`

// a proxy's decision for a new customer under least-connections, as the forwarder asks it
const probe = `const { choose, policyNamed } = await import('${dist('proxy/balance/policy.js')}')
const clerk = (id, inFlight) => ({ id, healthy: true, drained: false, inFlight, cookieId: id })
try {
  console.log('picked ' + choose(policyNamed('least-connections'), [clerk('a', 1), clerk('b', 0)], { headers: {} }, () => 0).upstream.id)
} catch (err) {
  console.log('threw ' + err.message)
}`

let dir: string
let learner: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'code-plug-'))
  learner = join(dir, 'learner.js')
  await writeFile(learner, learnerJs)
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function decide(env: Record<string, string>): Promise<string> {
  const hook = join(PROJECT_ROOT, 'dist', 'workshop', 'code-track', 'plug-in.js')
  const { stdout } = await run(process.execPath, ['--import', hook, '--input-type=module', '-e', probe], { env: { ...process.env, ...env }, timeout: 60_000 })
  return stdout.trim()
}

describe('code plug: the module hook', () => {
  it('without CODE_TRACK_PLUG, the project picks with its own least-connections', async () => {
    expect(await decide({ CODE_TRACK_PLUG: '', CODE_TRACK_PLUG_FILE: learner })).toBe('picked b')
  })

  it("with CODE_TRACK_PLUG=1, the project's policy.ts picks with the learner's file", async () => {
    expect(await decide({ CODE_TRACK_PLUG: '1', CODE_TRACK_PLUG_FILE: learner })).toBe('threw the learner was here')
  })

  it('takes a list: CODE_TRACK_PLUG=2,1 swaps the pickers too', async () => {
    expect(await decide({ CODE_TRACK_PLUG: '2,1', CODE_TRACK_PLUG_FILE: learner })).toBe('threw the learner was here')
  })

  it('refuses to start when the learner file is not built, naming the command that builds it', async () => {
    await expect(decide({ CODE_TRACK_PLUG: '1', CODE_TRACK_PLUG_FILE: join(dir, 'missing.js') })).rejects.toThrow(/code plug 1/)
  })
})
