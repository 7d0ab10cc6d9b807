/**
 * Keeps the last part of what a child process writes to stdout and stderr, to put in an error
 * message when it fails to start or dies. Bounded: a process that logs for minutes must not grow
 * our memory, and the end of its output is what tells why it stopped.
 *
 * @example
 *   const output = keepOutputTail(child, 100_000)
 *   …
 *   throw new Error(`it exited early:\n${output()}`)
 */
import type { ChildProcess } from 'node:child_process'

/** keeps up to `maxChars` (the newer half when it overflows); returns a reader of what is kept */
export function keepOutputTail(child: ChildProcess, maxChars: number): () => string {
  let out = ''
  const keep = (chunk: Buffer) => {
    out += chunk.toString()
    if (out.length > maxChars) out = out.slice(-Math.floor(maxChars / 2))
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  return () => out
}
