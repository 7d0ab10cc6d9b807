import type { Side, StateCounts } from '../../loadtest/analyze/tcp-states.js'
import { fail, pass, type Verdict } from '../verdict.js'
import type { CheckContext } from './context.js'
import { readJsonFile, reportPath } from './load-report.js'

export const TCP_STATES_REPORT = '12-tcp-states.json'

/**
 * A run of short connections leaves one TIME_WAIT per request on the side that closed first, for
 * 60 s: hundreds after a few seconds of `--keepalive off`. A reset cluster with nobody shopping
 * has a handful at most (the odd idle connection of a health check or a dashboard).
 */
export const MIN_TIME_WAIT = 20 // sockets

/** what `npm run tcp-states -- --once --out FILE` writes (loadtest/lessons/tcp-states.ts) */
interface TcpStatesSnapshot {
  at: string
  ports: { proxy: number; clerks: number[] }
  sockets: Record<Side, StateCounts>
}

function isSnapshot(json: unknown): json is TcpStatesSnapshot {
  const s = json as Partial<TcpStatesSnapshot>
  return typeof s.at === 'string' && typeof s.ports?.proxy === 'number' && typeof s.sockets === 'object' && s.sockets !== null
}

/**
 * Exercise 12: the learner's snapshot of the cluster's TCP states, taken right after a load test
 * with `Connection: close` and while a customer holds its end of a closed connection open. The
 * proxy closed first, so TIME_WAIT sits on its side; the customer who has not closed yet sits in
 * CLOSE_WAIT.
 */
export async function checkTcpStates(ctx: CheckContext): Promise<Verdict> {
  const path = reportPath(ctx, TCP_STATES_REPORT)
  const look = `the snapshot: ${path}; live: npm run tcp-states -- --target ${ctx.target.proxyUrl}`
  const read = readJsonFile(path, 'tcp-states snapshot')
  if ('missing' in read) return fail([read.missing], look)
  if (!isSnapshot(read.json)) return fail([`${path} is not a tcp-states snapshot: write it with npm run tcp-states -- --once --out FILE`], look)
  const { at, ports, sockets } = read.json
  const count = (side: Side, state: string) => sockets[side]?.[state] ?? 0
  const ageS = Math.round((Date.now() - Date.parse(at)) / 1000)
  const saw = [
    `snapshot of proxy port ${ports.proxy}, taken ${ageS} s ago`,
    `TIME_WAIT: proxy front ${count('proxy front', 'TIME_WAIT')}, customer ${count('customer', 'TIME_WAIT')}, proxy to clerks ${count('proxy to clerks', 'TIME_WAIT')}, clerks ${count('clerks', 'TIME_WAIT')}`,
    `CLOSE_WAIT: customer ${count('customer', 'CLOSE_WAIT')}, proxy front ${count('proxy front', 'CLOSE_WAIT')}; FIN_WAIT2 on the proxy front ${count('proxy front', 'FIN_WAIT2')}`,
  ]
  const targetPort = Number(new URL(ctx.target.proxyUrl).port || '80')
  if (ports.proxy !== targetPort)
    return fail([...saw, `the snapshot is of port ${ports.proxy}, the cluster's proxy is on ${targetPort}: give tcp-states --target ${ctx.target.proxyUrl}`], look)
  const missing: string[] = []
  const proxyWaits = count('proxy front', 'TIME_WAIT')
  if (proxyWaits < MIN_TIME_WAIT) {
    missing.push(`fewer than ${MIN_TIME_WAIT} sockets in TIME_WAIT on the proxy front: take the snapshot within a minute of a load test with --keepalive off (step 3)`)
  } else if (proxyWaits <= count('customer', 'TIME_WAIT')) {
    missing.push('more TIME_WAIT on the customers’ side than on the proxy’s: was the load test run with --keepalive off?')
  }
  if (count('customer', 'CLOSE_WAIT') < 1) missing.push('no customer in CLOSE_WAIT: take the snapshot while the customer of step 4 holds its end open (60 s)')
  return missing.length === 0 ? pass(saw, look) : fail([...saw, ...missing], look)
}
