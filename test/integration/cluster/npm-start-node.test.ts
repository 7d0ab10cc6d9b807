import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync, realpathSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readStateFile, stateFilePath, type ClusterStateFile } from '../../../services/cluster/state-file.js'
import { freePortRange } from '../../../services/common/free-port.js'
import { keepOutputTail } from '../../../services/common/output-tail.js'
import { projectRoot } from '../../../services/common/project-root.js'
import { waitFor } from '../../../services/common/wait-for.js'
import { userNode, userPath } from '../../helpers/user-path.js'

// The README's `npm start`, typed in a shell whose own `node` may be older (Node 20 on this
// project's machines): npm puts node_modules/.bin first on the script's PATH, so the launcher,
// every clerk and the proxy run the Node that `npm ci` installed there. Checked from outside:
// which binary each pid executes (/proc/<pid>/exe) and what that binary's --version says, and
// what a clerk itself reports (prom-client's nodejs_version_info).
const root = projectRoot(import.meta.url)
const runtimeMajor = readFileSync(`${root}/.nvmrc`, 'utf8').trim() // "24": the runtime of record
const adminToken = 'npm-start-node-test-token'
let npm: ChildProcess
let output: () => string
let proxyPort: number
let state: ClusterStateFile

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

/** `<the binary pid runs> --version`, e.g. "v24.22.3" */
function versionOfProcess(pid: number): { binary: string; version: string } {
  const binary = realpathSync(`/proc/${pid}/exe`)
  return { binary, version: execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim() }
}

beforeAll(async () => {
  proxyPort = await freePortRange(4)
  npm = spawn('npm', ['start'], {
    cwd: root,
    // the user's shell PATH: nothing of ours in front, the machine's own node and npm
    env: { ...process.env, PATH: userPath(), PROXY_PORT: String(proxyPort), CLERK_COUNT: '3', ADMIN_TOKEN: adminToken },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: afterAll can end npm, sh and the launcher together
  })
  output = keepOutputTail(npm, 100_000)
  const found = await waitFor(() => readStateFile(stateFilePath(proxyPort)) ?? (exited(npm) ? 'exited' : undefined), {
    what: '`npm start` to write its state file',
    timeoutMs: 90_000,
    intervalMs: 100,
  }).catch((err: Error) => {
    throw new Error(`${err.message}\n--- npm start output ---\n${output()}`)
  })
  if (found === 'exited') throw new Error(`npm start exited:\n${output()}`)
  state = found
}, 120_000)

afterAll(async () => {
  if (npm === undefined || exited(npm)) return
  // the launcher stops its children in order on SIGTERM; the group kill is only the backstop
  if (state) process.kill(state.pids.launcher as number, 'SIGTERM')
  const stopped = await Promise.race([once(npm, 'exit').then(() => true), new Promise((r) => setTimeout(r, 20_000, false))]) // 20 s
  if (!stopped && npm.pid !== undefined) process.kill(-npm.pid, 'SIGKILL')
}, 30_000)

describe(`npm start on the machine's own PATH (its node: ${userNode()?.version ?? 'none'})`, () => {
  it.each(['launcher', 'clerk-a', 'clerk-b', 'clerk-c', 'proxy'])(`runs the %s on Node ${runtimeMajor} from node_modules/.bin`, (id) => {
    const pid = state.pids[id] as number
    const { binary, version } = versionOfProcess(pid)
    expect(version.split('.')[0]).toBe(`v${runtimeMajor}`)
    expect(binary).toBe(realpathSync(`${root}/node_modules/.bin/node`))
  })

  it(`has a clerk report Node ${runtimeMajor} itself (nodejs_version_info in /metrics)`, async () => {
    const res = await fetch(`http://127.0.0.1:${proxyPort + 1}/metrics`, { signal: AbortSignal.timeout(5_000) })
    const metric = (await res.text()).split('\n').find((line) => line.startsWith('nodejs_version_info{'))
    expect(metric).toContain(`major="${runtimeMajor}"`)
  })

  it('stops cleanly: npm start exits 0 once its launcher is told to stop', async () => {
    const exit = once(npm, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
    process.kill(state.pids.launcher as number, 'SIGTERM')
    const [code] = await exit
    expect(code, output()).toBe(0)
  })
})
