import { MODES } from '../../services/common/vocabulary.js'
import { recentOrders } from '../cluster-reads.js'
import { fail, pass, type Verdict } from '../verdict.js'
import { RECENT_MINUTES, type CheckContext } from './context.js'

/** Exercise 1: a paid dialogue in each mode, read from the ledger (every pay writes one order, with its mode). */
export async function checkThreeModes({ target }: CheckContext): Promise<Verdict> {
  const orders = await recentOrders(target, RECENT_MINUTES)
  const counts = MODES.map((mode) => ({ mode, n: orders.filter((o) => o.mode === mode).length }))
  const saw = [`orders paid in the last ${RECENT_MINUTES} minutes: ${counts.map((c) => `${c.mode} ${c.n}`).join(', ')}`]
  const missing = counts.filter((c) => c.n === 0).map((c) => c.mode)
  const look = 'the dashboard: play ask → buy → pay in each of the three columns; the badge names the clerk who answered'
  if (missing.length > 0) return fail([...saw, `no paid dialogue yet in: ${missing.join(', ')}`], look)
  const clerks = new Set(orders.map((o) => o.clerk))
  return pass([...saw, `paid by ${[...clerks].sort().join(', ')}`], look)
}
