import { launcherStatus, proxyStatus } from '../cluster-reads.js'
import { fail, pass, type Verdict } from '../verdict.js'
import type { CheckContext } from './context.js'

/** npm start's clerks: clerk-a to clerk-c unless CLERK_COUNT says otherwise */
const STARTED_WITH = 3

/**
 * Exercise 16: a clerk added at run time (`npm run chaos -- add`) is behind the proxy, healthy,
 * and has answered customers since the reset. The newcomer is the last clerk the launcher
 * started (the next free id): the check reads its counters at the proxy.
 */
export async function checkScaleOut({ target }: CheckContext): Promise<Verdict> {
  const launcher = await launcherStatus(target)
  const status = await proxyStatus(target)
  const look = 'the cluster strip (a new card), the requests/s chart (a fourth line), npm run chaos -- status'
  if (!launcher) return fail(['no launcher answers /_cluster/status: adding a clerk needs the cluster of `npm start`'], look)
  const clerks = launcher.processes.filter((p) => p.kind === 'clerk')
  const saw = [`clerks behind the proxy: ${status.clerks.map((c) => `${c.id} (${c.healthy ? 'healthy' : 'unhealthy'}, ${c.requests} requests)`).join(', ')}`]
  if (clerks.length <= STARTED_WITH) return fail([...saw, `add a clerk first: npm run chaos -- add (npm start began with ${STARTED_WITH})`], look)
  const newest = [...clerks].sort((a, b) => a.id.localeCompare(b.id)).at(-1)!
  const atProxy = status.clerks.find((c) => c.id === newest.id)
  if (!atProxy) return fail([...saw, `${newest.id} runs but the proxy does not list it`], look)
  if (!atProxy.healthy) return fail([...saw, `${newest.id} is not healthy yet: wait a second and check again`], look)
  if (atProxy.requests === 0) return fail([...saw, `${newest.id} has answered nobody since the reset: send customers (the load test of step 3) while it is there`], look)
  return pass([...saw, `${newest.id} joined and answered ${atProxy.requests} requests`], look)
}
