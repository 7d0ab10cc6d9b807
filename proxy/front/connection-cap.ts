import type { Server } from 'node:http'
import type { Socket } from 'node:net'

/** how long a connection over the cap may take to send the request its 503 answers */
export const REFUSED_GRACE_MS = 2_000 // 2 s

export interface ConnectionCap {
  /** whether this connection came in over the cap (its first request is answered 503, then it closes) */
  isRefused(socket: Socket): boolean
  /** connections open now, not counting refused ones */
  readonly open: number
}

/**
 * PROXY_CLIENT_CONNECTIONS: at most `max` customer connections at once (idle keep-alive ones and event
 * streams included). One more is still accepted, so its client reads a reason instead of a reset:
 * its first request gets 503 `overloaded` with `Retry-After` and `Connection: close` (the front
 * checks `isRefused`), and one that sends nothing in REFUSED_GRACE_MS is closed. A silent
 * connection under the cap is closed by PROXY_REQUEST_TIMEOUT_MS (node's headersTimeout), so a flood of
 * idle sockets holds the cap for that long at most.
 *
 * `othersOpen`: the connections another front of the process holds (the fast path's, proxy/fast/),
 * which count against the same cap.
 *
 * @example
 *   const cap = capConnections(server, 1024)
 *   server.on('request', (req, res) => { if (cap.isRefused(req.socket)) return refuse(res) ... })
 */
export function capConnections(server: Server, max: number, othersOpen: () => number = () => 0): ConnectionCap {
  let open = 0
  const refused = new WeakSet<Socket>()
  server.on('connection', (socket: Socket) => {
    if (open + othersOpen() >= max) {
      refused.add(socket)
      socket.setTimeout(REFUSED_GRACE_MS, () => socket.destroy())
      return
    }
    open++
    socket.once('close', () => open--)
  })
  return {
    isRefused: (socket) => refused.has(socket),
    get open() {
      return open
    },
  }
}
