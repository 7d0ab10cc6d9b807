import type { ClusterStatus } from './launcher.js'

/**
 * What `GET /_cluster/status` tells anyone who asks without the admin token: which processes
 * exist and in what state (what the dashboard's cards show a room), not where they run. Pids,
 * ports and the Redis URL (even redacted: it names hosts and ports) need the token; they are
 * what an attacker would aim at, and only the chaos tools and the operator need them.
 *
 * @example
 *   publicStatus(cluster.status())
 *   // {"processes":[{"id":"clerk-a","kind":"clerk","state":"running","restarts":0,"slowMs":0}],
 *   //  "redis":{"state":"running","managed":true}}
 */
export interface PublicClusterStatus {
  processes: Array<Pick<ClusterStatus['processes'][number], 'id' | 'kind' | 'state' | 'restarts' | 'slowMs'>>
  redis: Pick<ClusterStatus['redis'], 'state' | 'managed'>
}

export function publicStatus(status: ClusterStatus): PublicClusterStatus {
  return {
    processes: status.processes.map(({ id, kind, state, restarts, slowMs }) => ({ id, kind, state, restarts, slowMs })),
    redis: { state: status.redis.state, managed: status.redis.managed },
  }
}
