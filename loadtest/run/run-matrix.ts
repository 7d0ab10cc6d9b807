/**
 * The runs of `npm run loadtest:matrix`, the workshop's headline: every session design — stateful
 * behind round-robin, stateful behind sticky, stateless, shared — under the same load and the same
 * chaos (a clerk killed at 1/3 of the row, revived at 2/3) against one cluster; then the same
 * stateless load with keep-alive on and off.
 *
 * @example
 *   const { summaries, keepAlive } = await runMatrix(parseMatrixArguments([]))
 *   summaries.slice(0, MATRIX_ROWS.length)   // one per session design, in MATRIX_ROWS' order
 */
import type { Mode, PolicyName } from '../../services/common/vocabulary.js'
import { parseChaosFlag, type ChaosStep } from '../args/chaos-flags.js'
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
}

/** the rows, in the order the story is told */
export const MATRIX_ROWS: readonly MatrixRow[] = Object.freeze([
  { label: 'stateful + round-robin', mode: 'stateful', policy: 'round-robin' },
  { label: 'stateful + sticky', mode: 'stateful', policy: 'sticky' },
  { label: 'stateless', mode: 'stateless', policy: 'round-robin' },
  { label: 'shared (Redis)', mode: 'shared', policy: 'round-robin' },
])

export function matrixChaos(killTarget: string | undefined): ChaosStep[] {
  if (killTarget === undefined) return []
  return [parseChaosFlag('kill', `${killTarget}@33%`), parseChaosFlag('revive', `${killTarget}@66%`)]
}

export async function runMatrix(options: MatrixOptions): Promise<{ summaries: Summary[]; keepAlive: KeepAliveRow[] }> {
  const cluster = await openCluster({ target: options.target, clerks: options.clerks })
  const summaries: Summary[] = []
  const keepAlive: KeepAliveRow[] = []
  try {
    const chaos = matrixChaos(options.killTarget)
    for (const row of [...MATRIX_ROWS, ...(options.mcp ? MCP_MATRIX_ROWS : [])]) {
      const { summary } = await measuredRun(cluster, {
        ...row,
        customers: options.customers,
        durationMs: options.durationMs,
        chaos,
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
