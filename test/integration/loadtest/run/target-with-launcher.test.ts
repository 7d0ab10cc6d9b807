import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Summary } from '../../../../loadtest/analyze/summarize.js'
import type { LoadtestReport } from '../../../../loadtest/report/json.js'
import { startLocalCluster, type LocalCluster } from '../../../../loadtest/run/local-cluster.js'
import { readStateFile, stateFilePath } from '../../../../services/cluster/state-file.js'
import { projectRoot } from '../../../../services/common/project-root.js'

// `--target` at something that is not our proxy (here clerk-a itself: a plain second instance that
// answers the dialogue and 404 to /_lb/status), with chaos and the clerks' status through npm
// start's launcher reached directly (--cluster = the launcherUrl of its state file). Real processes.
let cluster: LocalCluster
let launcherUrl: string
let dir: string

interface LauncherStatus {
  processes: { id: string; kind: string; port: number; state: string; restarts: number }[]
}
async function launcherStatus(): Promise<LauncherStatus> {
  const res = await fetch(`${launcherUrl}/_cluster/status`, { headers: { authorization: `Bearer ${cluster.adminToken}` }, signal: AbortSignal.timeout(5_000) })
  return (await res.json()) as LauncherStatus
}

function loadtest(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/loadtest/cli.js', ...args], {
      cwd: projectRoot(import.meta.url),
      env: { ...process.env, ADMIN_TOKEN: cluster.adminToken },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.once('exit', (code) => resolve({ code, stderr }))
  })
}

beforeAll(async () => {
  cluster = await startLocalCluster({ clerkCount: 2 })
  launcherUrl = readStateFile(stateFilePath(cluster.proxyPort))!.launcherUrl
  dir = mkdtempSync(join(tmpdir(), 'target-launcher-'))
}, 60_000)

afterAll(async () => {
  await cluster?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('the load test with --cluster: the launcher reached directly', () => {
  it('kills and revives clerk-b through the launcher while the load goes to another instance, and refuses a --cluster that is no launcher', async () => {
    const clerkA = (await launcherStatus()).processes.find((p) => p.id === 'clerk-a')!
    const target = `http://127.0.0.1:${clerkA.port}`
    const json = join(dir, 'report.json')
    const run = await loadtest([
      '--target',
      target,
      '--cluster',
      launcherUrl,
      '--mode',
      'stateless',
      '--customers',
      '4',
      '--duration',
      '3s',
      '--kill',
      'clerk-b@1s',
      '--revive',
      'clerk-b@2s',
      '--json',
      json,
      '--quiet',
    ])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toMatch(/is not our proxy \(no \/_lb\/status\).*launcher/)
    const summary = (JSON.parse(readFileSync(json, 'utf8')) as LoadtestReport).runs[0] as Summary
    expect(summary.chaos.map((c) => [c.text, c.ok])).toEqual([
      ['--kill clerk-b@1s', true],
      ['--revive clerk-b@2s', true],
    ])
    expect(summary.dialogues.completed).toBeGreaterThan(0)
    expect(summary.dialogues.failed + summary.dialogues.context_lost).toBe(0) // the load never went to clerk-b
    const clerkB = (await launcherStatus()).processes.find((p) => p.id === 'clerk-b')!
    expect(clerkB.state).toBe('running') // revived

    const notLauncher = await loadtest(['--target', target, '--cluster', target, '--duration', '1s', '--quiet'])
    expect(notLauncher.code).toBe(1)
    expect(notLauncher.stderr).toMatch(/--cluster http:\/\/127\.0\.0\.1:\d+: no launcher answers GET \/_cluster\/status there/)
  })
})
