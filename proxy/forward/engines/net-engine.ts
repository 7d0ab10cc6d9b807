import type { AnswerHead } from '../../fast/answer-head.js'
import { ClerkLines } from '../../fast/clerk-lines.js'
import type { EngineOptions, ForwardCallbacks, ForwardEngine, ForwardRequest, ForwardTarget, StreamSink } from './engine.js'
import { requestHead } from './net-request-head.js'

/**
 * The net engine (PROXY_ENGINE=net, and what the node:http front forwards with PROXY_ENGINE=fast):
 * the fast path's clerk lines (proxy/fast/clerk-lines.ts: node:net, kept-alive connections per
 * clerk, strict llhttp reading the answers) behind the engine interface the node:http front's
 * forwarder speaks, with its header strings. A request's head is written by `net-request-head.ts`
 * (refusing what cannot be written: `unforwardable`) and goes out with its body in one write; an
 * answer's head comes back as flat strings.
 */
export interface NetEngine extends ForwardEngine {
  /** the clerk lines it forwards on: the fast path forwards on the same ones (one pool per clerk) */
  readonly lines: ClerkLines
}

export function createNetEngine(options: EngineOptions): NetEngine {
  const lines = new ClerkLines(options)
  return {
    name: 'net',
    lines,
    forward(target: ForwardTarget, request: ForwardRequest, callbacks: ForwardCallbacks) {
      let head: string
      try {
        head = requestHead(request, target.url.host)
      } catch (err) {
        // refused before a byte went out; called back after forward() returns, as every engine does
        let aborted = false
        queueMicrotask(() => {
          if (!aborted) callbacks.onError(err, false)
        })
        return () => (aborted = true)
      }
      const body = request.body
      const bytes = body === undefined || body.length === 0 ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), body])
      const attempt = lines.forward(target, bytes, new StringAnswers(callbacks), request.method === 'HEAD')
      return () => attempt.abort()
    },
    close: () => lines.close(),
  }
}

/** the clerk lines' answers, with their heads as the flat strings the forwarder reads */
class StringAnswers implements ForwardCallbacks<AnswerHead> {
  constructor(private readonly callbacks: ForwardCallbacks) {}

  onResponse(statusCode: number, answer: AnswerHead, body: Buffer): void {
    this.callbacks.onResponse(statusCode, rawHeadersOf(answer), body)
  }

  onError(err: unknown, written: boolean): void {
    this.callbacks.onError(err, written)
  }

  onStream(statusCode: number, answer: AnswerHead): StreamSink {
    const onStream = this.callbacks.onStream
    // every caller streams (exchange.ts); one that did not would get the stream as it ends
    if (onStream === undefined) throw new Error('the net engine streams event streams: its caller must take them (onStream)')
    return onStream.call(this.callbacks, statusCode, rawHeadersOf(answer))
  }
}

/** an answer's header lines as [name, value, name, value, ...], as the clerk wrote them */
function rawHeadersOf(answer: AnswerHead): string[] {
  const { buf, ranges: r } = answer
  const out: string[] = []
  for (let i = 0; i < r.count; i++)
    out.push(buf.toString('latin1', r.nameAt(i), r.nameAt(i) + r.nameLength(i)), buf.toString('latin1', r.valueAt(i), r.valueAt(i) + r.valueLength(i)))
  return out
}
