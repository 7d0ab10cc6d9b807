/**
 * What the launcher reports while it runs. The supervisor and the chaos API produce these as
 * data; main.ts prints them through describeEvent (compute apart from print).
 */
export type ClusterEvent =
  | { type: 'started'; id: string; pid: number; port: number }
  | { type: 'exited'; id: string; pid: number; code: number | null; signal: string | null; expected: boolean }
  | { type: 'restarting'; id: string; delayMs: number; restarts: number }
  | { type: 'restart-failed'; id: string; reason: string }
  | { type: 'chaos'; verb: string; target: string; detail: string }
  | { type: 'redis'; state: 'running' | 'stopped' | 'restarting'; detail: string }
  | { type: 'stopping'; reason: string }
  | { type: 'stopped' }

export function describeEvent(event: ClusterEvent): string {
  switch (event.type) {
    case 'started':
      return `${event.id} started (pid ${event.pid}, port ${event.port})`
    case 'exited': {
      const how = event.signal ? `killed by ${event.signal}` : `exited with code ${event.code}`
      return event.expected ? `${event.id} (pid ${event.pid}) ${how}` : `${event.id} (pid ${event.pid}) died unexpectedly: ${how}`
    }
    case 'restarting':
      return `restarting ${event.id} in ${event.delayMs} ms (restart #${event.restarts})`
    case 'restart-failed':
      return `${event.id} did not come back: ${event.reason}`
    case 'chaos':
      return `chaos: ${event.verb} ${event.target}: ${event.detail}`
    case 'redis':
      return `redis ${event.state}: ${event.detail}`
    case 'stopping':
      return `stopping the cluster (${event.reason}): proxy, then clerks, then redis`
    case 'stopped':
      return 'cluster stopped; no process and no temp file left behind'
  }
}
