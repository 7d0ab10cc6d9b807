import { launcherStatus } from '../cluster-reads.js'
import { describeProbe, probeStep } from '../probe-dialogue.js'
import { fail, pass, type Verdict } from '../verdict.js'
import type { CheckContext } from './context.js'

/** a shared-mode answer with Redis down must come this fast: the clerk fails fast, it does not hang */
const FAST_MS = 1_000 // 1 s

/** Exercise 4: Redis is stopped, and the check's own probe shows what still works and what fails fast. */
export async function checkRedisDown({ target }: CheckContext): Promise<Verdict> {
  const launcher = await launcherStatus(target)
  const look = "the Redis card on the dashboard; `npm run chaos -- status`; each column's answer"
  if (!launcher) return fail(['no launcher answers /_cluster/status: this exercise needs the cluster of `npm start` (and its admin token)'], look)
  const state = launcher.redis.state
  if (state !== 'stopped') return fail([`Redis is ${state}`, 'stop it first: the Redis card, or npm run chaos -- redis stop'], look)

  const shared = await probeStep(target, '/shared/ask', { product: 'laptop' })
  const stateful = await probeStep(target, '/stateful/ask', { product: 'laptop' })
  const ask = await probeStep(target, '/stateless/ask', { product: 'laptop' })
  const buy = await probeStep(target, '/stateless/buy', { context: ask.context, quantity: 1 })
  const pay = await probeStep(target, '/stateless/pay', { context: buy.context, method: 'card' })
  const saw = [
    'Redis is stopped',
    describeProbe('shared ask', shared),
    describeProbe('stateful ask', stateful),
    describeProbe('stateless ask → buy', buy),
    describeProbe('stateless pay', pay),
  ]
  const ok = shared.status === 503 && shared.ms < FAST_MS && stateful.status === 200 && buy.status === 200 && pay.status === 503
  return ok ? pass(saw, look) : fail([...saw, 'expected: shared and pay 503 in under a second, stateful and stateless up to buy 200'], look)
}
