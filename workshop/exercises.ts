import { checkCarriedBytes } from './checks/carried-bytes.js'
import { checkCart } from './checks/cart.js'
import { checkHandoff } from './checks/handoff.js'
import { checkHungClerk } from './checks/hung-clerk.js'
import { checkKeepAlive } from './checks/keep-alive.js'
import { checkMcpStream } from './checks/mcp-stream.js'
import { checkPayTwice } from './checks/pay-twice.js'
import { checkPerConnection } from './checks/per-connection.js'
import { checkPinnedClerk } from './checks/pinned-clerk.js'
import { checkPipelining } from './checks/pipelining.js'
import { checkRedisDown } from './checks/redis-down.js'
import { checkRetryPolicy } from './checks/retry-policy.js'
import { checkRoundRobin } from './checks/round-robin.js'
import { checkScaleOut } from './checks/scale-out.js'
import { checkSlowClerk } from './checks/slow-clerk.js'
import { checkTcpStates } from './checks/tcp-states.js'
import { checkThreeModes } from './checks/three-modes.js'
import type { CheckContext } from './checks/context.js'
import type { Verdict } from './verdict.js'

/**
 * The workshop's exercises, in ONE table: `npm run workshop -- list` prints it, `check N` runs its
 * check, docs/workshop/README.md lists the same rows (a unit test compares them), and each row has
 * its handout page.
 */
export interface Exercise {
  readonly id: number
  readonly title: string
  /** what the self-check looks at, in one line */
  readonly selfCheck: string
  /** the handout page, relative to the project root */
  readonly page: string
  readonly check: (ctx: CheckContext) => Promise<Verdict>
}

const page = (file: string) => `docs/workshop/exercises/${file}`

export const EXERCISES: readonly Exercise[] = Object.freeze([
  {
    id: 1,
    title: 'The three modes by hand',
    page: page('01-three-modes.md'),
    selfCheck: 'the ledger holds a paid order in each mode (last 30 minutes)',
    check: checkThreeModes,
  },
  {
    id: 2,
    title: 'Stateful on round-robin: predict the loss, then measure it',
    page: page('02-round-robin.md'),
    selfCheck: 'your load-test report shows stateful + round-robin losing more than half its dialogues',
    check: checkRoundRobin,
  },
  {
    id: 3,
    title: 'Kill the pinned clerk: sticky against shared',
    page: page('03-pinned-clerk.md'),
    selfCheck: 'stateful is sticky and the proxy has redispatched at least one customer since the reset',
    check: checkPinnedClerk,
  },
  {
    id: 4,
    title: 'Redis down: what still works, what fails fast',
    page: page('04-redis-down.md'),
    selfCheck: 'Redis is stopped; shared and pay answer 503 in under 1 s, stateful and stateless up to buy 200',
    check: checkRedisDown,
  },
  {
    id: 5,
    title: 'Paying twice: idempotency and the ledger',
    page: page('05-pay-twice.md'),
    selfCheck: 'one order per ws5- key in the ledger, and a 422 for the key reused by another dialogue',
    check: checkPayTwice,
  },
  {
    id: 6,
    title: 'Keep-alive against short connections: who holds TIME_WAIT',
    page: page('06-keep-alive.md'),
    selfCheck: 'your load-test report compares keep-alive with Connection: close',
    check: checkKeepAlive,
  },
  {
    id: 7,
    title: 'A slow clerk: round-robin against least-connections',
    page: page('07-slow-clerk.md'),
    selfCheck: 'a clerk is slowed, stateless is on least-connections, and the slow clerk took well under its fair share',
    check: checkSlowClerk,
  },
  {
    id: 8,
    title: 'A hung clerk is worse than a dead one',
    page: page('08-hung-clerk.md'),
    selfCheck: 'a clerk is paused and the proxy has marked it unhealthy',
    check: checkHungClerk,
  },
  {
    id: 9,
    title: 'The cost of carrying state: bytes per dialogue',
    page: page('09-carried-bytes.md'),
    selfCheck: 'your lesson:carried-state report: bytes per dialogue in each mode, every mode completing with cookies on',
    check: checkCarriedBytes,
  },
  {
    id: 10,
    title: 'A cart of several items per mode',
    page: page('10-cart.md'),
    selfCheck: 'your cart sweep (bench:clerk, carts up to 20 or more) and a cart of several products paid through your cluster in each mode',
    check: checkCart,
  },
  {
    id: 11,
    title: 'Stickiness per connection instead of per cookie',
    page: page('11-per-connection.md'),
    selfCheck: 'your report: stateful on per-connection loses almost nothing kept alive and most dialogues with Connection: close',
    check: checkPerConnection,
  },
  {
    id: 12,
    title: 'TCP states of a dialogue, end to end',
    page: page('12-tcp-states.md'),
    selfCheck: 'your tcp-states snapshot: TIME_WAIT on the proxy, which closed first, and a customer in CLOSE_WAIT',
    check: checkTcpStates,
  },
  {
    id: 13,
    title: 'Pipelining: answers come back in order',
    page: page('13-pipelining.md'),
    selfCheck: 'your pipelining lesson run: no pipelined answer passed the slow one, some on separate connections did',
    check: checkPipelining,
  },
  {
    id: 14,
    title: 'A retry policy per route: a per-try timeout against a slow clerk',
    page: page('14-retry-policy.md'),
    selfCheck: '/stateless has a per-try timeout below a slowed clerk’s delay, and the proxy retried attempts since the reset',
    check: checkRetryPolicy,
  },
  {
    id: 15,
    title: 'Handing a dialogue to the next clerk: SIGTERM against SIGKILL',
    page: page('15-handoff.md'),
    selfCheck: 'a clerk was terminated and another clerk took at least one of its stateful dialogues over',
    check: checkHandoff,
  },
  {
    id: 16,
    title: 'Adding and removing clerks while customers shop',
    page: page('16-scale-out.md'),
    selfCheck: 'a clerk added at run time is healthy behind the proxy and has answered customers',
    check: checkScaleOut,
  },
  {
    id: 17,
    title: 'A stream is state: MCP over HTTP',
    page: page('17-mcp-stream.md'),
    selfCheck: 'your two MCP load tests with a clerk killed: stateful lost sessions, shared lost none',
    check: checkMcpStream,
  },
] satisfies Exercise[])

export function exerciseById(id: number): Exercise | undefined {
  return EXERCISES.find((e) => e.id === id)
}
