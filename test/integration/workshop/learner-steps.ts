import { expect } from 'vitest'
import { main as workshop } from '../../../workshop/cli.js'
import { main as reset } from '../../../workshop/reset.js'
import type { WorkshopCluster } from './workshop-cluster.js'

/**
 * What a learner runs in the workshop tests, against the test's cluster: a self-check, the reset,
 * a built command (as the npm script runs it), the load test as the exercise pages run it.
 */

/** `npm run workshop -- check N …`: its exit code and what it printed */
export async function check(cluster: WorkshopCluster, id: number, ...args: string[]): Promise<{ code: number; output: string }> {
  const lines: string[] = []
  const code = await workshop(['check', String(id), ...args], cluster.env, (line) => lines.push(line))
  return { code, output: lines.join('\n') }
}

/** the check says PASS (exit 0) or FAIL (exit 1) on its first line; resolves with all it printed */
export async function expectCheck(cluster: WorkshopCluster, id: number, verdict: 'PASS' | 'FAIL', ...args: string[]): Promise<string> {
  const { code, output } = await check(cluster, id, ...args)
  expect(output.split('\n')[0], output).toMatch(new RegExp(`^${verdict}  exercise ${id}:`))
  expect(code, output).toBe(verdict === 'PASS' ? 0 : 1)
  return output
}

/** `npm run reset`, which must succeed */
export async function resetCluster(cluster: WorkshopCluster): Promise<void> {
  const lines: string[] = []
  const code = await reset([], cluster.env, (line) => lines.push(line))
  expect(code, lines.join('\n')).toBe(0)
}

/** a built command of the project, as the exercise page runs it through npm; it must succeed */
export async function runBuilt(cluster: WorkshopCluster, script: string, ...args: string[]): Promise<string> {
  const { code, output } = await cluster.run(script, args)
  expect(code, output).toBe(0)
  return output
}

/** the load test against the workshop's cluster, as the exercise pages run it */
export const loadtest = (cluster: WorkshopCluster, ...args: string[]) => runBuilt(cluster, 'loadtest/cli.js', '--target', cluster.proxyUrl, '--quiet', ...args)
