/**
 * The runs of `npm run loadtest:matrix`, the workshop's headline: every session design — stateful
 * behind round-robin, stateful behind sticky, stateless, shared — under the same load and the same
 * chaos (a clerk killed at 1/3 of the row, revived at 2/3) against one cluster; the stateful clerk
 * terminated (its handoff) beside killed at the same moment; keyless customers; then the same
 * stateless load with keep-alive on and off.
 *
 * @example
 *   const { summaries, keepAlive } = await runMatrix(parseMatrixArguments([]))
 *   summaries.slice(0, MATRIX_ROWS.length)   // one per session design, in MATRIX_ROWS' order
 */
import type { Mode, PolicyName } from '../../services/common/vocabulary.js'
import { parseChaosFlag, type ChaosStep } from '../args/chaos-flags.js'
import { badOption } from '../errors.js'
import type { MatrixOptions } from '../args/matrix-arguments.js'
import { keepAliveRow, type KeepAliveRow, type Summary } from '../analyze/summarize.js'
import { MCP_MATRIX_ROWS } from '../mcp/mcp-matrix-rows.js'
import { connectionStyle } from '../report/tables.js'
import { measuredRun } from './measured-run.js'
import { openCluster } from './open-cluster.js'

export interface MatrixRow {
  label: string
  mode: Mode
  policy: PolicyName
  /** how the clerk leaves at 1/3 of the row (revived at 2/3): SIGKILL (default) or SIGTERM, its handoff */
  leaves?: 'kill' | 'terminate'
  /** false: customers send no Idempotency-Key, as browsers (default true) */
  keys?: boolean
  /** false: a new connection per request (`Connection: close`); default kept alive */
  keepAlive?: boolean
  /** true: no clerk leaves during this row (its lesson needs no crash) */
  calm?: boolean
}

/**
 * the rows, in the order the story is told: what a crash costs each design; then the planned exit
 * (SIGTERM) beside a crash at the same moment, where the stateful clerk hands its dialogues over
 * (CLERK_HANDOFF, on by default) or cannot; then customers who send no Idempotency-Key
 */
export const MATRIX_ROWS: readonly MatrixRow[] = Object.freeze([
  { label: 'stateful + round-robin', mode: 'stateful', policy: 'round-robin' },
  { label: 'stateful + sticky', mode: 'stateful', policy: 'sticky' },
  { label: 'stateless', mode: 'stateless', policy: 'round-robin' },
  { label: 'shared (Redis)', mode: 'shared', policy: 'round-robin' },
  { label: 'stateful + sticky + handoff, SIGTERM', mode: 'stateful', policy: 'sticky', leaves: 'terminate' },
  { label: 'stateful + sticky + handoff, SIGKILL', mode: 'stateful', policy: 'sticky', leaves: 'kill' },
  { label: 'stateless, no keys', mode: 'stateless', policy: 'round-robin', keys: false },
  { label: 'shared (Redis), no keys', mode: 'shared', policy: 'round-robin', keys: false },
  // a kept-alive connection is not a session: pinned per connection, stateful "works" while the
  // customer keeps its connection and loses its dialogue at every new one (no crash needed)
  { label: 'stateful + per-connection, kept alive', mode: 'stateful', policy: 'per-connection', calm: true },
  { label: 'stateful + per-connection, connections closed', mode: 'stateful', policy: 'per-connection', keepAlive: false, calm: true },
])

/** the rows `--only TEXT` keeps (every row without it); a TEXT no label contains is a bad option */
export function matrixRows(only: string | undefined, mcp = false): readonly MatrixRow[] {
  const all = [...MATRIX_ROWS, ...(mcp ? MCP_MATRIX_ROWS : [])]
  if (only === undefined) return all
  const rows = all.filter((row) => row.label.includes(only))
  if (rows.length === 0) throw badOption(`--only ${only}: no row's label contains it (the rows: ${all.map((r) => r.label).join('; ')})`)
  return rows
}

export function matrixChaos(killTarget: string | undefined, leaves: 'kill' | 'terminate' = 'kill'): ChaosStep[] {
  if (killTarget === undefined) return []
  return [parseChaosFlag(leaves, `${killTarget}@33%`), parseChaosFlag('revive', `${killTarget}@66%`)]
}

export async function runMatrix(options: MatrixOptions): Promise<{ summaries: Summary[]; keepAlive: KeepAliveRow[] }> {
  const cluster = await openCluster({ target: options.target, clerks: options.clerks })
  const summaries: Summary[] = []
  const keepAlive: KeepAliveRow[] = []
  try {
    for (const { leaves, keys, calm, ...row } of matrixRows(options.only, options.mcp)) {
      const { summary } = await measuredRun(cluster, {
        ...row,
        keys: keys ?? true,
        customers: options.customers,
        durationMs: options.durationMs,
        chaos: calm ? [] : matrixChaos(options.killTarget, leaves),
        progress: !options.quiet,
      })
      summaries.push(summary)
    }
    if (options.compareKeepAlive) {
      for (const on of [true, false]) {
        const measured = await measuredRun(cluster, {
          mode: 'stateless',
          policy: 'round-robin',
          label: `stateless, ${connectionStyle(on)}`,
          customers: options.customers,
          durationMs: Math.max(3_000, Math.round((options.durationMs * 2) / 3)),
          keepAlive: on,
          progress: !options.quiet,
        })
        summaries.push(measured.summary)
        keepAlive.push(keepAliveRow(measured, summaries.length - 1))
      }
    }
  } finally {
    await cluster.close()
  }
  return { summaries, keepAlive }
}
