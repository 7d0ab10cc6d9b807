import { launcherStatus, proxyStatus } from '../cluster-reads.js'
import { fail, pass, type Verdict } from '../verdict.js'
import type { CheckContext } from './context.js'

/** Exercise 8: a paused (hung) clerk, and the proxy's health checks have taken it out. */
export async function checkHungClerk({ target }: CheckContext): Promise<Verdict> {
  const launcher = await launcherStatus(target)
  const status = await proxyStatus(target)
  const look = "the clerk's card (paused, unhealthy) and the event log's health line"
  if (!launcher) return fail(['no launcher answers /_cluster/status: pause needs the cluster of `npm start`'], look)
  const paused = launcher.processes.filter((p) => p.kind === 'clerk' && p.state === 'paused').map((p) => p.id)
  const saw = [
    `paused clerks: ${paused.join(', ') || 'none'}`,
    `unhealthy at the proxy: ${
      status.clerks
        .filter((c) => !c.healthy)
        .map((c) => c.id)
        .join(', ') || 'none'
    }`,
  ]
  if (paused.length === 0) return fail([...saw, 'pause a clerk first: npm run chaos -- pause clerk-b'], look)
  const ejected = paused.filter((id) => status.clerks.find((c) => c.id === id)?.healthy === false)
  if (ejected.length === 0) return fail([...saw, 'the proxy still counts it healthy: wait for two failed health checks (about 2 s) and check again'], look)
  return pass(saw, look)
}
