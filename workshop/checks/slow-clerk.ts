import { launcherStatus, proxyStatus } from '../cluster-reads.js'
import { fail, pass, type Verdict } from '../verdict.js'
import { percent, type CheckContext } from './context.js'

/** below this many requests since the reset, shares say nothing yet */
const MIN_REQUESTS = 100
/** the slow clerk must get under this part of a fair share (1/N) */
const AVOIDED = 0.6

/** Exercise 7: with one clerk slowed, least-connections sends it less traffic (counters zeroed by a reset). */
export async function checkSlowClerk({ target }: CheckContext): Promise<Verdict> {
  const launcher = await launcherStatus(target)
  const status = await proxyStatus(target)
  const look = "the dashboard's requests/s chart per clerk; GET /_lb/status (requests per clerk)"
  const slow = launcher?.processes.find((p) => p.kind === 'clerk' && p.slowMs >= 100)
  const policy = status.policies.stateless
  const total = status.clerks.reduce((sum, c) => sum + c.requests, 0)
  const saw = [
    `stateless policy: ${policy}`,
    `slowed clerk: ${slow ? `${slow.id} (${slow.slowMs} ms)` : 'none'}`,
    `requests since the last reset: ${status.clerks.map((c) => `${c.id} ${c.requests}`).join(', ')}`,
  ]
  if (!slow) return fail([...saw, 'slow one clerk down first: npm run chaos -- slow clerk-b 300'], look)
  if (!policy.includes('least-connections')) return fail([...saw, 'switch the stateless route to least-connections'], look)
  if (total < MIN_REQUESTS) return fail([...saw, `only ${total} requests: run the stateless load test first`], look)
  const share = (status.clerks.find((c) => c.id === slow.id)?.requests ?? 0) / total
  const fair = 1 / status.clerks.length
  saw.push(`${slow.id} took ${percent(share)} of the requests (a fair share: ${percent(fair)})`)
  return share < fair * AVOIDED ? pass(saw, look) : fail([...saw, `expected under ${percent(fair * AVOIDED)}: was the load test run after both steps?`], look)
}
