/**
 * The clerk each client connection was first given, for the `connection` affinity (policy
 * `per-connection`). Keyed by the socket itself in a WeakMap: a closed connection's pin goes with
 * it, and the next connection of the same customer is balanced anew. That is the lesson it
 * teaches: a kept-alive connection is not a session; a stateful dialogue that "works" through it
 * breaks the moment the client opens a new connection.
 *
 * Each proxy worker holds its own (a connection lives in one worker).
 *
 * @example
 *   pinConnection(req.socket, 'clerk-b')
 *   connectionPinOf(req.socket) // 'clerk-b', for every later request on that connection
 */
const PINS = new WeakMap<object, string>()

/** the clerk id this connection was given, if any */
export function connectionPinOf(connection: object | undefined): string | undefined {
  return connection === undefined ? undefined : PINS.get(connection)
}

/** gives this connection to a clerk (again, after a redispatch) */
export function pinConnection(connection: object, clerkId: string): void {
  PINS.set(connection, clerkId)
}
