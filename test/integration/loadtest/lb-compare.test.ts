import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { LbCompareRun } from '../../../loadtest/lb-compare.js'
import { exposedTo } from '../../../loadtest/lb-compare/exposure.js'
import { projectRoot } from '../../../services/common/project-root.js'

// `npm run loadtest:lb-compare`, the stateful kill row only, through our proxy and HAProxy in front
// of the same real clerks and a real redis-server (the built command, as a user runs it). The kill
// fires when N dialogues are open on clerk-b for each balancer alike; a stateful dialogue is lost
// only if it was open on clerk-b when clerk-b died (exposed), never otherwise.

const EXPOSED_AT_KILL = 2
const dir = mkdtempSync(join(tmpdir(), 'lb-compare-test-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function lbCompare(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/loadtest/lb-compare.js', ...args], { cwd: projectRoot(import.meta.url), stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.once('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('loadtest:lb-compare, stateful + sticky, clerk-b killed', () => {
  it('loses only dialogues that were open on clerk-b at the kill, and reports them per balancer', { timeout: 180_000 }, async () => {
    const json = join(dir, 'lb-compare.json')
    const html = join(dir, 'lb-compare.html')
    const run = await lbCompare([
      '--balancers',
      'ours,haproxy',
      '--modes',
      'stateful',
      '--schedules',
      'kill',
      '--customers',
      '8',
      '--duration',
      '9s',
      '--exposed',
      String(EXPOSED_AT_KILL),
      '--json',
      json,
      '--html',
      html,
    ])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/\| exposed \| lost of exposed \| other lost \|/)
    expect(readFileSync(html, 'utf8')).toMatch(/<th>lost of exposed<\/th>/)
    const { runs } = JSON.parse(readFileSync(json, 'utf8')) as { runs: LbCompareRun[] }
    expect(runs.map((r) => r.row.balancer)).toEqual(['ours', 'haproxy'])
    for (const { row, outcomes } of runs) {
      const at = row.chaosAtMs
      const lost = outcomes.filter((o) => o.end !== 'completed')
      // the row's counts are the dialogues' own
      expect(row.exposure.exposed).toBe(outcomes.filter((o) => exposedTo(o, 'clerk-b', at)).length)
      expect(row.exposure.lostOfExposed + row.exposure.otherLost).toBe(row.contextLost + row.failed)
      expect(lost.length).toBe(row.contextLost + row.failed)
      // fired when EXPOSED_AT_KILL were open as the customers saw it: each of them is exposed
      if (row.chaosTrigger === `${EXPOSED_AT_KILL} open`) expect(row.exposure.exposed).toBeGreaterThanOrEqual(EXPOSED_AT_KILL)
      expect({ balancer: row.balancer, lost: row.lost, doubled: row.doubled }).toEqual({ balancer: row.balancer, lost: 0, doubled: 0 })
    }
    // ours: every lost dialogue was exposed (lost ⊆ exposed), as a 409 context_lost, never a failure
    const ours = runs[0]!
    const notExposed = ours.outcomes.filter((o) => o.end !== 'completed' && !exposedTo(o, 'clerk-b', ours.row.chaosAtMs))
    expect(notExposed, JSON.stringify(notExposed.slice(0, 3))).toEqual([])
    expect(ours.row.exposure.otherLost).toBe(0)
    expect(ours.row.failed).toBe(0)
  })
})
