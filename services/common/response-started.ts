import type { Duplex } from 'node:stream'

/**
 * Whether node:http has started a response on this socket (keep-alive: at most one is writing at
 * a time). A 'clientError' handler must not write a whole answer of its own into the middle of
 * one, which would corrupt what the client reads; node's own handler follows the same rule. Used
 * by the clerk's and the proxy's clientError handlers.
 */
export function responseStarted(socket: Duplex): boolean {
  const current = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage
  return current?.headersSent === true
}
