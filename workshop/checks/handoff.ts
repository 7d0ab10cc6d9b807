import { launcherStatus, proxyStatus } from '../cluster-reads.js'
import { fail, pass, type Verdict } from '../verdict.js'
import type { CheckContext } from './context.js'

/**
 * Exercise 15: a stateful dialogue outlived its clerk's SIGTERM. The terminated clerk parked its
 * dialogues in Redis on the way out, and another clerk took at least one over (the proxy's
 * `handoffs` counter, zeroed by the reset, counts dialogues taken over).
 */
export async function checkHandoff({ target }: CheckContext): Promise<Verdict> {
  const launcher = await launcherStatus(target)
  const status = await proxyStatus(target)
  const look = 'the event log (a "handoff" line), each clerk card’s handoffs, and your stateful column: pay answered 200 by another clerk'
  if (!launcher) return fail(['no launcher answers /_cluster/status: terminate needs the cluster of `npm start`'], look)
  const down = launcher.processes.filter((p) => p.kind === 'clerk' && (p.state === 'stopped' || p.state === 'dead')).map((p) => p.id)
  const takers = status.clerks.filter((c) => c.handoffs > 0).map((c) => `${c.id} ×${c.handoffs}`)
  const saw = [
    `clerks stopped or dead: ${down.join(', ') || 'none'}`,
    `dialogues taken over (since each clerk started): ${status.counters.handoffs} (${takers.join(', ') || 'nobody'})`,
  ]
  if (down.length === 0) return fail([...saw, 'terminate your stateful clerk first: npm run chaos -- terminate clerk-b (your clerk)'], look)
  if (status.counters.handoffs === 0) {
    return fail([...saw, 'no clerk has taken a dialogue over: ask (and buy) in the stateful column BEFORE the terminate, then buy or pay after it'], look)
  }
  return pass(saw, look)
}
