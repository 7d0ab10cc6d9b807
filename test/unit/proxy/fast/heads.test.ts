import { describe, expect, it } from 'vitest'
import { AnswerHead, classifyAnswer, writeAnswer } from '../../../../proxy/fast/answer-head.js'
import { HeadRanges, writeDigits } from '../../../../proxy/fast/head-ranges.js'
import { OK, OffsetParser, PAUSED, REQUEST, RESPONSE, type OffsetHandler } from '../../../../proxy/fast/offset-parser.js'
import { buildRequest, classifyRequest, cookieHeader, HAND_OVER, RequestFacts } from '../../../../proxy/fast/request-head.js'

/** parses one whole message of `text` with strict llhttp into ranges; its end offset */
function parse(type: number, text: string): { buf: Buffer; ranges: HeadRanges; end: number } {
  const buf = Buffer.from(text, 'latin1')
  const ranges = new HeadRanges()
  const handler: OffsetHandler = {
    onMessageBegin: () => (ranges.begin(), 0),
    onUrl: (at, len) => ranges.url(at, len),
    onHeaderField: (at, len) => ranges.field(at, len),
    onHeaderValue: (at, len) => ranges.value(at, len),
    onHeadersComplete: () => 0,
    onBody: (at, len) => ranges.bodyPiece(at, len),
    onMessageComplete: () => PAUSED,
  }
  const parser = new OffsetParser(type, handler)
  parser.load(buf)
  const ret = parser.run(0)
  expect([OK, PAUSED]).toContain(ret)
  const end = parser.errorPos()
  parser.destroy()
  return { buf, ranges, end }
}

describe('the fast path on byte ranges', () => {
  it('builds the request for clerks: hop-by-hop lines out, X-Forwarded-For joined, the proxy key and a deadline to fill', () => {
    const { buf, ranges, end } = parse(
      REQUEST,
      'POST /stateful/pay HTTP/1.1\r\nHost: t\r\nCookie: a=1\r\nConnection: keep-alive\r\nX-Forwarded-For: 10.0.0.1\r\nCookie: lb_clerk=x\r\nX-Request-Deadline: 5\r\nContent-Length: 2\r\n\r\nhi',
    )
    const facts = new RequestFacts()
    classifyRequest(buf, ranges, facts)
    expect(facts.handOver).toBe(0)
    expect(facts.contentLength).toBe(2)
    expect(cookieHeader(buf, ranges, facts)).toBe('a=1; lb_clerk=x')
    const built = buildRequest(buf, 0, end, ranges, facts, Buffer.from('127.0.0.1'), 'lb-key')
    writeDigits(built.bytes, built.deadlineAt, 1796524408317)
    expect(built.bytes.toString('latin1')).toBe(
      'POST /stateful/pay HTTP/1.1\r\nHost: t\r\nCookie: a=1\r\nCookie: lb_clerk=x\r\nContent-Length: 2\r\n' +
        'x-forwarded-for: 10.0.0.1, 127.0.0.1\r\nidempotency-key: lb-key\r\nx-request-deadline: 1796524408317\r\n\r\nhi',
    )
  })

  it.each([
    ['Transfer-Encoding', 'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n', HAND_OVER.framing],
    ['Expect', 'Expect: 100-continue\r\nContent-Length: 0\r\n\r\n', HAND_OVER.framing],
    ['a browser (Origin)', 'Origin: http://t\r\nContent-Length: 0\r\n\r\n', HAND_OVER.browser],
    ['a browser (Sec-Fetch-Site)', 'Sec-Fetch-Site: same-origin\r\nContent-Length: 0\r\n\r\n', HAND_OVER.browser],
    ['two Mcp-Session-Id lines', 'Mcp-Session-Id: a\r\nMcp-Session-Id: b\r\nContent-Length: 0\r\n\r\n', HAND_OVER.repeated],
  ])('leaves a request with %s to node:http', (_what, rest, reason) => {
    const { buf, ranges } = parse(REQUEST, `POST /stateless/ask HTTP/1.1\r\nHost: t\r\n${rest}`)
    const facts = new RequestFacts()
    classifyRequest(buf, ranges, facts)
    expect(facts.handOver).toBe(reason)
  })

  it('writes the answer for the customer: hop-by-hop lines out, its lines in, one Content-Length, the connection kept', () => {
    const { buf, ranges } = parse(
      RESPONSE,
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: keep-alive, x-hop\r\nX-Hop: 1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n',
    )
    const head = new AnswerHead(ranges)
    head.statusCode = 200
    head.buf = buf
    head.headEnd = ranges.headEnd(buf, 0)
    classifyAnswer(head)
    const out = writeAnswer(head, Buffer.from('hi'), { proxy: Buffer.from('x-retried: 1\r\n'), date: Buffer.from('date: now\r\n'), close: false })
    expect(out.toString('latin1')).toBe(
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nx-retried: 1\r\ndate: now\r\nconnection: keep-alive\r\nkeep-alive: timeout=65\r\ncontent-length: 2\r\n\r\nhi',
    )
  })

  it('tells an event stream and a clerk that closes', () => {
    const { buf, ranges } = parse(RESPONSE, 'HTTP/1.1 200 OK\r\nContent-Type: Text/Event-Stream; charset=utf-8\r\nDate: x\r\nConnection: close\r\n\r\n')
    const head = new AnswerHead(ranges)
    head.statusCode = 200
    head.buf = buf
    classifyAnswer(head)
    expect(head).toMatchObject({ eventStream: true, closes: true, date: true })
  })
})
