import type { ClusterStatus } from './launcher.js'

/** Pure: the launcher's status as a few aligned lines for `npm run chaos -- status`. */
export function formatStatus(status: ClusterStatus): string {
  const rows = [['id', 'kind', 'pid', 'port', 'state', 'restarts', 'slow ms']]
  for (const p of status.processes) {
    rows.push([p.id, p.kind, String(p.pid ?? '-'), String(p.port), p.state, String(p.restarts), String(p.slowMs)])
  }
  const r = status.redis
  rows.push(['redis', r.state === 'absent' ? 'none' : r.managed ? 'private' : 'external', String(r.pid ?? '-'), r.url ?? '-', r.state, '-', '-'])
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)))
  return rows.map((row) => row.map((cell, col) => cell.padEnd(widths[col]!)).join('  ').trimEnd()).join('\n')
}
