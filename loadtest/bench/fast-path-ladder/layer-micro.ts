import { classifyAnswer, classifyRequest, buildAnswer, buildRequest, HeadRanges, type RequestFacts } from './head-splice.js'
import { OffsetParser, PAUSED, REQUEST, RESPONSE, type OffsetHandler } from '../../../proxy/fast/offset-parser.js'

/**
 * The ladder's JavaScript measured apart, in ns per call, on the bench's own request and a bench
 * clerk's answer: what rusage cannot split (parsing, classifying, building, clocks, timers).
 *
 *   npm run -s build && node dist/loadtest/bench/fast-path-ladder/layer-micro.js
 */

const REQUEST_BYTES = Buffer.from('POST /stateless/ask HTTP/1.1\r\nHost: 127.0.0.1:39123\r\nContent-Length: 20\r\nContent-Type: application/json\r\n\r\n{"product":"laptop"}')
const ANSWER_BYTES = Buffer.from(
  'HTTP/1.1 200 OK\r\nx-clerk: clerk-a\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: 385\r\nDate: Sat, 05 Dec 2026 23:02:47 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=72\r\n\r\n' +
    'x'.repeat(385),
)
const CALLS = 300_000

function handler(r: HeadRanges | undefined): OffsetHandler {
  return {
    onMessageBegin: () => (r?.begin(), 0),
    onUrl: (at, len) => (r === undefined ? 0 : r.url(at, len)),
    onHeaderField: (at, len) => (r === undefined ? 0 : r.field(at, len)),
    onHeaderValue: (at, len) => (r === undefined ? 0 : r.value(at, len)),
    onHeadersComplete: () => 0,
    onBody: (at, len) => (r === undefined ? 0 : r.bodyPiece(at, len)),
    onMessageComplete: () => PAUSED,
  }
}

function time(name: string, fn: () => unknown): void {
  for (let i = 0; i < CALLS / 10; i++) fn() // warm up
  const start = process.hrtime.bigint()
  for (let i = 0; i < CALLS; i++) fn()
  process.stdout.write(`${name.padEnd(36)} ${(Number(process.hrtime.bigint() - start) / CALLS).toFixed(0).padStart(5)} ns\n`)
}

/** one parse of a whole message, as the rungs do it: load, run to the pause, read the end, resume */
function parseOnce(parser: OffsetParser, bytes: Buffer): number {
  parser.load(bytes)
  parser.run(0)
  const end = parser.errorPos()
  parser.resume()
  return end
}

for (const [what, bytes, type] of [
  ['request', REQUEST_BYTES, REQUEST],
  ['answer', ANSWER_BYTES, RESPONSE],
] as const) {
  const bare = new OffsetParser(type, handler(undefined))
  const recording = new OffsetParser(type, handler(new HeadRanges()))
  time(`${what}: llhttp, no-op callbacks`, () => parseOnce(bare, bytes))
  time(`${what}: llhttp, ranges recorded`, () => parseOnce(recording, bytes))
}

const requestRanges = new HeadRanges()
const requestEnd = parseOnce(new OffsetParser(REQUEST, handler(requestRanges)), REQUEST_BYTES)
const facts: RequestFacts = { pin: -1, idempotencyKey: false, chunked: false, forwardedFor: -1, twoHosts: false }
const cookieIds = [Buffer.from('clerk-0'), Buffer.from('clerk-1')]
const ip = Buffer.from('127.0.0.1')
time('classifyRequest', () => classifyRequest(REQUEST_BYTES, requestRanges, cookieIds, facts))
time('buildRequest', () => buildRequest(REQUEST_BYTES, 0, requestEnd, requestRanges, facts, ip, Date.now() + 10_000))

const answerRanges = new HeadRanges()
const answerEnd = parseOnce(new OffsetParser(RESPONSE, handler(answerRanges)), ANSWER_BYTES)
const setCookie = Buffer.from('set-cookie: lb_clerk=clerk-1; Path=/stateless; HttpOnly; SameSite=Lax\r\n')
time('classifyAnswer', () => classifyAnswer(ANSWER_BYTES, answerRanges))
time('buildAnswer', () => buildAnswer(ANSWER_BYTES, 0, answerEnd, answerRanges, false, setCookie))

time('Date.now()', () => Date.now())
time('performance.now()', () => performance.now())
time('setTimeout + clearTimeout', () => clearTimeout(setTimeout(() => {}, 1_000)))
time('Buffer.allocUnsafe(600)', () => Buffer.allocUnsafe(600))
time('Buffer.concat of two messages', () => Buffer.concat([REQUEST_BYTES, ANSWER_BYTES]))
