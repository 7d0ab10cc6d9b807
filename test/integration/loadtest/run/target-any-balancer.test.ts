import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Summary } from '../../../../loadtest/analyze/summarize.js'
import { startComparedCluster, type ComparedCluster } from '../../../../loadtest/lb-compare/lb-processes.js'
import type { LoadtestReport } from '../../../../loadtest/report/json.js'
import { projectRoot } from '../../../../services/common/project-root.js'

// `npm run loadtest -- --target` against HAProxy (a balancer that is not ours: no /_lb/*), with
// chaos through a clerk's own admin endpoint (--clerk). Real processes: redis-server, three
// clerks, haproxy (configured as loadtest:lb-compare configures it), and the built load test.

let cluster: ComparedCluster
let haproxyUrl: string
let dir: string

function loadtest(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/loadtest/cli.js', ...args], {
      cwd: projectRoot(import.meta.url),
      env: { ...process.env, ADMIN_TOKEN: cluster.adminToken },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.once('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

async function refuses(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) })
    await res.arrayBuffer()
    return false
  } catch {
    return true
  }
}

beforeAll(async () => {
  cluster = await startComparedCluster(['haproxy'])
  haproxyUrl = cluster.balancers[0]!.url
  dir = mkdtempSync(join(tmpdir(), 'target-any-lb-'))
})

afterAll(async () => {
  await cluster?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('the load test against HAProxy, chaos through the clerks’ admin endpoints', () => {
  it('refuses what a clerk cannot do to itself, and a clerk it was given no address for, before any load', async () => {
    const clerkB = `clerk-b=${cluster.clerkUrls['clerk-b']}`
    const revive = await loadtest(['--target', haproxyUrl, '--clerk', clerkB, '--kill', 'clerk-b@1s', '--revive', 'clerk-b@2s', '--duration', '3s', '--quiet'])
    expect(revive.code).toBe(1)
    expect(revive.stderr).toMatch(/--revive clerk-b@2s: a dead clerk cannot start itself again/)
    const unknown = await loadtest(['--target', haproxyUrl, '--clerk', clerkB, '--kill', 'clerk-c@1s', '--duration', '3s', '--quiet'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/--kill clerk-c@1s: no --clerk clerk-c=URL was given/)
    const nowhere = await loadtest(['--target', haproxyUrl, '--kill', 'clerk-b@1s', '--duration', '3s', '--quiet'])
    expect(nowhere.code).toBe(1)
    expect(nowhere.stderr).toMatch(/is not our proxy, so chaos needs to be told where to go/)
    expect(await refuses(`${cluster.clerkUrls['clerk-b']}/readyz`)).toBe(false) // nothing was killed
  })

  it('runs keyless customers through HAProxy, kills clerk-b at 1 s through its /_admin/crash, and reconciles with the ledger', async () => {
    const json = join(dir, 'report.json')
    const args = ['--target', haproxyUrl, '--mode', 'stateless', '--keys', 'off', '--customers', '6', '--duration', '4s']
    const run = await loadtest([...args, '--clerk', `clerk-b=${cluster.clerkUrls['clerk-b']}`, '--kill', 'clerk-b@1s', '--json', json, '--quiet'])
    expect(run.stderr).toMatch(/is not our proxy \(no \/_lb\/status\).*clerk-admin/)
    expect(run.stderr).toMatch(/policy: not set/)
    expect(run.code, run.stderr).toBe(0)
    const report = JSON.parse(readFileSync(json, 'utf8')) as LoadtestReport
    const summary = report.runs[0] as Summary
    expect(summary.policy).toBe('its own')
    const d = summary.dialogues
    expect(d.total).toBe(d.completed + d.context_lost + d.failed + d.unfinished)
    expect(d.completed).toBeGreaterThan(0)
    expect(summary.chaos).toEqual([expect.objectContaining({ text: '--kill clerk-b@1s', verb: 'kill', target: 'clerk-b', ok: true })])
    expect(summary.reconcile).toMatchObject({ lost: 0, doubled: 0 })
    expect(summary.proxyHandoffs).toBeUndefined() // HAProxy counts no handoffs
    // the kill happened: clerk-b's port refuses, and it answered no ask after the kill was acknowledged
    expect(await refuses(`${cluster.clerkUrls['clerk-b']}/readyz`)).toBe(true)
    const killedAt = summary.chaos[0]!.offsetMs + summary.chaos[0]!.tookMs
    const lastSecondB = Math.max(...summary.timeline.filter((s) => (s.completedByClerk['clerk-b'] ?? 0) > 0).map((s) => s.second))
    expect(lastSecondB * 1000).toBeLessThanOrEqual(killedAt + 1_000)
  })
})
