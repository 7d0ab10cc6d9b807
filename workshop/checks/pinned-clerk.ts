import { launcherStatus, proxyStatus } from '../cluster-reads.js'
import { fail, pass, type Verdict } from '../verdict.js'
import type { CheckContext } from './context.js'

/** Exercise 3: a sticky customer whose clerk died was redispatched (the proxy's counter, zeroed by a reset). */
export async function checkPinnedClerk({ target }: CheckContext): Promise<Verdict> {
  const status = await proxyStatus(target)
  const launcher = await launcherStatus(target)
  const down = launcher?.processes.filter((p) => p.kind === 'clerk' && p.state !== 'running').map((p) => `${p.id} ${p.state}`) ?? []
  const saw = [
    `stateful policy: ${status.policies.stateful}`,
    `redispatched customers since the last reset: ${status.counters.redispatches}${status.clerks
      .filter((c) => c.redispatches > 0)
      .map((c) => ` (${c.redispatches} away from ${c.id})`)
      .join('')}`,
    `clerks not running now: ${down.length > 0 ? down.join(', ') : 'none'}`,
  ]
  const look = "the event log's redispatch line and the X-Redispatched header of the answer (curl -i)"
  if (status.policies.stateful !== 'sticky') return fail([...saw, 'put the stateful route back on sticky first'], look)
  if (status.counters.redispatches < 1) return fail([...saw, 'no customer has been redispatched yet: kill the clerk your stateful column is pinned to, then send buy'], look)
  return pass(saw, look)
}
