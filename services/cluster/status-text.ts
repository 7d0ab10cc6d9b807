import type { ClusterStatus } from './launcher.js'
import type { PublicClusterStatus } from './public-status.js'

/**
 * Pure: the launcher's status as a few aligned lines for `npm run chaos -- status`. Without the
 * admin token the launcher leaves out pids, ports and the Redis URL: those cells read `-`.
 */
export function formatStatus(status: ClusterStatus | PublicClusterStatus): string {
  const rows = [['id', 'kind', 'pid', 'port', 'state', 'restarts', 'slow ms']]
  for (const p of status.processes as Array<PublicClusterStatus['processes'][number] & Partial<ClusterStatus['processes'][number]>>) {
    rows.push([p.id, p.kind, String(p.pid ?? '-'), String(p.port ?? '-'), p.state, String(p.restarts), String(p.slowMs)])
  }
  const r = status.redis as PublicClusterStatus['redis'] & Partial<ClusterStatus['redis']>
  rows.push(['redis', r.state === 'absent' ? 'none' : r.managed ? 'private' : 'external', String(r.pid ?? '-'), r.url ?? '-', r.state, '-', '-'])
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)))
  return rows
    .map((row) =>
      row
        .map((cell, col) => cell.padEnd(widths[col]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}
