import { answersByStatus, recentOrders } from '../cluster-reads.js'
import { fail, pass, type Verdict } from '../verdict.js'
import { RECENT_MINUTES, type CheckContext } from './context.js'

/** the exercise's keys start with this, so the check finds the learner's own payments in the ledger */
export const PAY_TWICE_KEY_PREFIX = 'ws5-'

/** Exercise 5: one order for a key paid twice, and the same key refused for another dialogue (422). */
export async function checkPayTwice({ target }: CheckContext): Promise<Verdict> {
  const orders = (await recentOrders(target, RECENT_MINUTES)).filter((o) => o.idempotencyKey?.startsWith(PAY_TWICE_KEY_PREFIX))
  const perKey = new Map<string, number>()
  for (const o of orders) perKey.set(o.idempotencyKey as string, (perKey.get(o.idempotencyKey as string) ?? 0) + 1)
  const doubled = [...perKey].filter(([, n]) => n > 1)
  const refused = (await answersByStatus(target)).get(422) ?? 0
  const saw = [
    `orders paid with an Idempotency-Key starting ${PAY_TWICE_KEY_PREFIX} (last ${RECENT_MINUTES} minutes): ${orders.length}, under ${perKey.size} key(s)`,
    `answers 422 idempotency_key_reused since the last reset: ${refused}`,
  ]
  const look = 'the answers of your curl lines ("replayed": true, then 422); the ledger: GET /orders/<id>'
  if (orders.length === 0) return fail([...saw, `pay a dialogue with -H 'Idempotency-Key: ${PAY_TWICE_KEY_PREFIX}<your name>' first`], look)
  if (doubled.length > 0) return fail([...saw, `charged twice under ${doubled.map(([k]) => k).join(', ')}: this is a bug, tell the instructor`], look)
  if (refused < 1) return fail([...saw, 'no 422 yet: pay a NEW dialogue with the same key'], look)
  return pass(saw, look)
}
