import type { LedgerOrder } from '../../loadtest/analyze/reconcile.js'
import type { CartRow, cartSweepReport } from '../../loadtest/bench/cart-sweep.js'
import { MODES, type Mode } from '../../services/common/vocabulary.js'
import { recentOrders } from '../cluster-reads.js'
import { fail, pass, type Verdict } from '../verdict.js'
import { RECENT_MINUTES, type CheckContext } from './context.js'
import { readJsonFile, reportPath, shown } from './load-report.js'

export const CART_SWEEP_REPORT = '10-cart-sweep.json'
/** the sweep must reach a cart this big: below it the token is still small */
const MIN_LARGEST_CART = 20

type CartSweepReport = ReturnType<typeof cartSweepReport>

/** a ledger order as GET /orders gives it: the asked product's line, and the whole cart's total (docs/contract.md) */
interface CartOrder extends LedgerOrder {
  quantity?: number
  unitPrice?: number
}

/** an order whose total is more than its asked product's line: the cart had other products */
const isCart = (o: CartOrder) => o.total !== undefined && o.quantity !== undefined && o.unitPrice !== undefined && o.total > o.quantity * o.unitPrice

const plural = (n: number) => `${n} product${n === 1 ? '' : 's'}`

/** What the sweep says per size: the bytes each mode carries, and whether carrying costs more CPU than Redis. */
function readSweep(report: CartSweepReport): { saw: string[]; problem?: string } {
  const sizes = [...new Set(report.rows.map((r) => r.items))].sort((a, b) => a - b)
  const of = (items: number, mode: Mode) => report.rows.find((r) => r.items === items && r.mode === mode)
  const saw: string[] = []
  for (const items of sizes) {
    const rows = MODES.map((mode) => of(items, mode))
    const idle = MODES.filter((_, i) => (rows[i]?.dialoguesPerSec ?? 0) === 0)
    if (idle.length > 0) return { saw, problem: `${plural(items)}: no dialogue completed in ${idle.join(', ')} (see "not 200" in the sweep's output)` }
    const [stateful, stateless, shared] = rows as [CartRow, CartRow, CartRow]
    const total = (r: CartRow) => r.sentPerDialogue + r.receivedPerDialogue
    const cpu = stateless.cpuMsPerDialogue > shared.cpuMsPerDialogue ? 'more' : 'less'
    saw.push(
      `${plural(items)}: B per dialogue stateful ${total(stateful)}, stateless ${total(stateless)}, shared ${total(shared)}; ` +
        `CPU ms per dialogue stateless ${stateless.cpuMsPerDialogue.toFixed(2)} (${cpu}) against shared ${shared.cpuMsPerDialogue.toFixed(2)}`,
    )
  }
  const largest = sizes.at(-1) ?? 0
  if (sizes.length < 2 || largest < MIN_LARGEST_CART) {
    return { saw, problem: `the sweep measured carts of ${sizes.join(', ') || 'no size'}: measure several sizes up to at least ${MIN_LARGEST_CART} (--items 1,5,20,50)` }
  }
  const crossover = sizes.find((items) => (of(items, 'stateless') as CartRow).cpuMsPerDialogue > (of(items, 'shared') as CartRow).cpuMsPerDialogue)
  saw.push(
    crossover === undefined
      ? `carrying the cart cost less CPU than a Redis round trip at every size up to ${largest}`
      : `carrying the cart cost more CPU than a Redis round trip from ${plural(crossover)} on`,
  )
  return { saw }
}

/**
 * Exercise 10: the learner's cart sweep (bench:clerk --items … --json) for where carrying a cart
 * costs more than a Redis round trip, and carts of several products paid through their own cluster
 * in each mode (the ledger: an order's total above its asked product's line).
 */
export async function checkCart(ctx: CheckContext): Promise<Verdict> {
  const path = reportPath(ctx, CART_SWEEP_REPORT)
  const look = `the sweep's table and sentences (npm run bench:clerk -- --items …); the report: ${path}; the load test's "per completed dialogue" line`
  const saw: string[] = []
  const problems: string[] = []
  const read = readJsonFile(path, 'cart sweep report')
  if ('missing' in read) problems.push(read.missing)
  else {
    const report = read.json as CartSweepReport | null
    if (report?.kind !== 'bench-clerk-cart' || !Array.isArray(report.rows)) {
      problems.push(`${shown(path)} is not a cart sweep (run npm run bench:clerk -- --items 1,5,20,50 --json ${shown(path)})`)
    } else {
      const sweep = readSweep(report)
      saw.push(...sweep.saw)
      if (sweep.problem) problems.push(sweep.problem)
    }
  }
  const predicted = ctx.args.predicted
  if (predicted !== undefined) saw.push(`you predicted carrying to cost more from ${predicted} products on`)
  const carts = (await recentOrders(ctx.target, RECENT_MINUTES)).filter(isCart)
  const counts = MODES.map((mode) => ({ mode, n: carts.filter((o) => o.mode === mode).length }))
  saw.push(`carts of several products paid through your cluster in the last ${RECENT_MINUTES} minutes: ${counts.map((c) => `${c.mode} ${c.n}`).join(', ')}`)
  const unpaid = counts.filter((c) => c.n === 0).map((c) => c.mode)
  if (unpaid.length > 0) problems.push(`no cart paid yet in: ${unpaid.join(', ')} (the load test with --items against your cluster)`)
  return problems.length > 0 ? fail([...saw, ...problems], look) : pass(saw, look)
}
