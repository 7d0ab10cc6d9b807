import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { ProxyErrors, sendError } from './errors.js'
import { answerOnSocket, frontError } from './front-errors.js'

/**
 * HTTP/1.1 features the proxy does not serve, each refused with a JSON answer instead of node's
 * defaults (a silently closed socket for CONNECT, a bare 400 or 417). node:http hands these over
 * through server events rather than the request handler; http-front.ts wires them.
 */

type Count = (status: number) => void
type Handle = (req: IncomingMessage, res: ServerResponse) => void

// each refusal closes the connection: whatever the client sends next on it (a body it was not
// asked for, after a refused Expect) must not be read as a request
const CLOSE = { connection: 'close' }

/**
 * For the server's 'connect' and 'upgrade' events: node has detached the socket from HTTP, so the
 * answer is written on it raw. Without a 'connect' listener node just closes the socket; without
 * an 'upgrade' listener it passes an upgrade to the request handler (see `refuseUpgradeHeader`).
 *
 * @example
 *   server.on('connect', refuseTunnel('CONNECT', count))
 *   // "CONNECT example.com:443 HTTP/1.1" → 400 {"code":"PROXY_ERR_BAD_REQUEST","message":"The proxy does not forward CONNECT"}
 */
export function refuseTunnel(kind: 'CONNECT' | 'upgrade', count: Count): (req: IncomingMessage, socket: Duplex) => void {
  const message = kind === 'CONNECT' ? 'The proxy does not forward CONNECT' : 'The proxy does not forward protocol upgrades'
  return (req, socket) => {
    count(400)
    answerOnSocket(socket, frontError('PROXY_ERR_BAD_REQUEST', `${message} (${req.method ?? '?'} ${req.url ?? ''})`))
  }
}

/**
 * In the request handler: an `Upgrade` header that node did not treat as an upgrade (no
 * `Connection: upgrade` next to it) is refused the same way. True when it answered.
 */
export function refuseUpgradeHeader(req: IncomingMessage, res: ServerResponse, count: Count): boolean {
  if (req.headers.upgrade === undefined) return false
  count(400)
  sendError(res, new ProxyErrors.PROXY_ERR_BAD_REQUEST('The proxy does not forward protocol upgrades'), {}, CLOSE)
  return true
}

/**
 * RFC 9112 §3.2: an HTTP/1.1 request without Host is answered 400 (HTTP/1.0 may omit it). The
 * server is created with `requireHostHeader: false` so this answer is JSON, not node's bare 400.
 * True when it answered.
 */
export function refuseMissingHost(req: IncomingMessage, res: ServerResponse, count: Count): boolean {
  if (req.headers.host !== undefined || req.httpVersion !== '1.1') return false
  count(400)
  sendError(res, new ProxyErrors.PROXY_ERR_BAD_REQUEST('An HTTP/1.1 request must carry a Host header'), {}, CLOSE)
  return true
}

/**
 * For 'checkExpectation' (an Expect other than 100-continue): 417, as RFC 9110 §10.1.1 asks, but
 * JSON. The connection closes: the client may send its body anyway, which must not be read as
 * the next request.
 */
export function refuseExpectation(count: Count): Handle {
  return (req, res) => {
    count(417)
    const expect = String(req.headers.expect ?? '').slice(0, 100)
    sendError(res, new ProxyErrors.PROXY_ERR_EXPECTATION_FAILED(`The proxy only meets "Expect: 100-continue", not "${expect}"`), {}, CLOSE)
  }
}

/**
 * For 'checkContinue' (`Expect: 100-continue`): a body announced over the cap is refused with 413
 * at once, without `100 Continue`, so the client never sends it; the connection closes since the
 * client may still send it. Otherwise the client is told to go on and the request is handled
 * exactly as one without Expect (node emits only this event, not 'request', for it).
 *
 * @example
 *   server.on('checkContinue', continueUnderCap(() => 1024 * 1024, handle, count))
 */
export function continueUnderCap(capFor: (req: IncomingMessage) => number, handle: Handle, count: Count): Handle {
  return (req, res) => {
    if (refuseMissingHost(req, res, count)) return
    const cap = capFor(req)
    if (Number(req.headers['content-length'] ?? 0) > cap) {
      count(413)
      sendError(res, new ProxyErrors.PROXY_ERR_BODY_TOO_LARGE(cap), {}, CLOSE)
      return
    }
    res.writeContinue()
    handle(req, res)
  }
}
