import { Socket } from 'node:net'

/**
 * Customers' reads into one buffer shared by every customer connection, as the clerk lines read
 * their answers (node's `onread`, clerk-lines.ts): no Buffer allocated per read and none of
 * Readable's work per read (a push, a `nextTick`, a `read(0)`). Measured on the fast path, two
 * builds side by side taking 5-s turns under one load: 1.1 to 3.4 µs of CPU less per request in
 * four runs (3–10 %), the largest part of what node's stream glue cost it.
 *
 * node gives `onread` only to sockets it connects, not to those a server accepts. An accepted
 * socket is given it the way node gives it to its own: the handle's `useUserBuffer` and the
 * socket's three `onread` fields, whose symbols are found on a socket made with `onread` (by
 * their descriptions). These are node's internals, so everything is checked first, once:
 * when anything is not as expected (another Node), `readShared` says no and the connection
 * reads through `'data'` as before. `shared-reads.test.ts` fails when a supported Node stops
 * giving them, so it is noticed rather than silently slower.
 *
 * The bytes passed to `onBytes` are valid only during the call: the next read of any customer
 * overwrites them. What is kept past it (an unfinished request, a pipelined one) must be copied.
 */

/** every customer connection reads into this: handled, or copied, before the next read */
const SHARED_READ = Buffer.allocUnsafe(64 * 1024) // 64 KiB, as node's own reads

interface OnreadSymbols {
  readonly buffer: symbol
  readonly callback: symbol
  readonly generator: symbol
}

/** the symbols of node's `onread` fields, or undefined when this Node does not keep them as expected */
function findOnreadSymbols(): OnreadSymbols | undefined {
  const buffer = Buffer.alloc(1)
  const callback = (): boolean => true
  const probe = new Socket({ onread: { buffer, callback } })
  try {
    const fields = probe as unknown as Record<symbol, unknown>
    const named = (description: string) => Object.getOwnPropertySymbols(probe).find((s) => s.description === description)
    const found = { buffer: named('kBuffer'), callback: named('kBufferCb'), generator: named('kBufferGen') }
    if (found.buffer === undefined || found.callback === undefined || found.generator === undefined) return undefined
    // the fields hold what node's own read callback (onStreamRead) reads
    if (fields[found.buffer] !== buffer || fields[found.callback] !== callback || fields[found.generator] !== null) return undefined
    return found as OnreadSymbols
  } finally {
    probe.destroy()
  }
}

const symbols = findOnreadSymbols()

/** this Node lets an accepted socket read into a shared buffer (false: every customer reads through 'data') */
export const SHARED_READS = symbols !== undefined

interface UserBufferHandle {
  useUserBuffer(buffer: Buffer): void
}

/**
 * Makes `socket` (just accepted, nothing read yet) read into the shared buffer: `onBytes` gets
 * each read, valid during the call only. False, and nothing changed, when this Node cannot.
 */
export function readShared(socket: Socket, onBytes: (bytes: Buffer) => void): boolean {
  const handle = (socket as unknown as { _handle: Partial<UserBufferHandle> | null })._handle
  if (symbols === undefined || handle === null || typeof handle.useUserBuffer !== 'function') return false
  const fields = socket as unknown as Record<symbol, unknown>
  if (fields[symbols.buffer] !== null || fields[symbols.generator] !== null) return false // not a socket as node accepts it
  fields[symbols.buffer] = SHARED_READ
  fields[symbols.callback] = (length: number): void => onBytes(SHARED_READ.subarray(0, length))
  handle.useUserBuffer(SHARED_READ)
  return true
}
