/**
 * Malformed and edge-case HTTP/1.1 messages for the differential smuggling test
 * (smuggling-differential.test.ts): requests a customer may send, and answers a clerk may give.
 * Each is sent over a raw socket through every engine (and HAProxy, the reference).
 *
 * The rule for every request, for every proxy: refused (the clerk sees nothing), or forwarded as
 * exactly one request that the clerk sees once, with `body` as its body bytes. `ours` adds what
 * our proxy does (its front is node:http, whose parser is llhttp in strict mode, the same for
 * every engine): `refuse` for the ambiguous ones (a proxy that repairs them, as HAProxy drops a
 * Content-Length beside chunked, still passes the rule; ours may not), `forward` for the plain
 * ones, `either` where refusing and forwarding are both safe.
 *
 * The rule for every answer: refused (502), or passed on whole with `body`; and the next request
 * on the same customer connection gets its own answer, never bytes left over from this one.
 */

/** what our proxy must do with a case (see above) */
export type Ours = 'forward' | 'refuse' | 'either'

export interface RequestCase {
  name: string
  /** the bytes on the wire */
  raw: string
  /** the body the clerk must see if it is forwarded; undefined: no proxy may forward it */
  body: string | undefined
  ours: Ours
}

export interface AnswerCase {
  name: string
  /** what the clerk writes for the request */
  raw: string
  /** the clerk closes the connection after writing it */
  close?: boolean
  /** the body the customer gets if it is passed on; undefined: no proxy may pass it on */
  body: string | undefined
  /** forward: passed on whole; refuse: 502 */
  ours: Ours
}

const PATH = '/stateless/ask'
const post = (headers: string, body: string, line = `POST ${PATH} HTTP/1.1`): string => `${line}\r\nHost: t\r\n${headers}\r\n${body}`
const chunked = 'Transfer-Encoding: chunked\r\n'

export const REQUEST_CASES: RequestCase[] = [
  // framing that is fine: the control group
  { name: 'Content-Length', raw: post('Content-Length: 5\r\n', 'hello'), body: 'hello', ours: 'forward' },
  { name: 'chunked', raw: post(chunked, '5\r\nhello\r\n0\r\n\r\n'), body: 'hello', ours: 'forward' },
  { name: 'chunked, two chunks, upper-case hex', raw: post(chunked, 'A\r\n0123456789\r\n1\r\n!\r\n0\r\n\r\n'), body: '0123456789!', ours: 'forward' },
  { name: 'chunked with an extension', raw: post(chunked, '5;ext=1\r\nhello\r\n0\r\n\r\n'), body: 'hello', ours: 'forward' },
  { name: 'chunked with a trailer', raw: post(chunked, '5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n'), body: 'hello', ours: 'forward' },
  { name: 'Transfer-Encoding: Chunked (case)', raw: post('Transfer-Encoding: Chunked\r\n', '5\r\nhello\r\n0\r\n\r\n'), body: 'hello', ours: 'forward' },
  { name: 'Content-Length with leading space', raw: post('Content-Length:    5\r\n', 'hello'), body: 'hello', ours: 'forward' },
  { name: 'Content-Length: 0', raw: post('Content-Length: 0\r\n', ''), body: '', ours: 'forward' },
  { name: 'HTTP/1.0 with Content-Length', raw: post('Content-Length: 5\r\n', 'hello', `POST ${PATH} HTTP/1.0`), body: 'hello', ours: 'forward' },
  { name: 'Connection: close with chunked', raw: post(`Connection: close\r\n${chunked}`, '5\r\nhello\r\n0\r\n\r\n'), body: 'hello', ours: 'forward' },
  { name: 'a pipelined admin request after the body', raw: post('Content-Length: 5\r\n', 'helloGET /_lb/status HTTP/1.1\r\nHost: t\r\n\r\n'), body: 'hello', ours: 'forward' },
  { name: 'Expect: 100-continue with the body sent at once', raw: post('Expect: 100-continue\r\nContent-Length: 5\r\n', 'hello'), body: 'hello', ours: 'forward' },

  // Content-Length and Transfer-Encoding together (CL.TE / TE.CL)
  { name: 'CL then TE', raw: post(`Content-Length: 5\r\n${chunked}`, '5\r\nhello\r\n0\r\n\r\n'), body: 'hello', ours: 'refuse' },
  { name: 'TE then CL', raw: post(`${chunked}Content-Length: 5\r\n`, '5\r\nhello\r\n0\r\n\r\n'), body: 'hello', ours: 'refuse' },
  { name: 'CL 0 with TE', raw: post(`Content-Length: 0\r\n${chunked}`, '5\r\nhello\r\n0\r\n\r\n'), body: 'hello', ours: 'refuse' },
  {
    name: 'CL covering a smuggled request, with TE',
    raw: post(`${chunked}Content-Length: 4\r\n`, '0\r\n\r\nGET /stateless/smuggled HTTP/1.1\r\nHost: t\r\n\r\n'),
    body: '',
    ours: 'refuse',
  },

  // duplicate or malformed Content-Length
  { name: 'two equal Content-Lengths', raw: post('Content-Length: 5\r\nContent-Length: 5\r\n', 'hello'), body: 'hello', ours: 'either' },
  { name: 'two different Content-Lengths', raw: post('Content-Length: 5\r\nContent-Length: 6\r\n', 'hello!'), body: undefined, ours: 'refuse' },
  { name: 'Content-Length list', raw: post('Content-Length: 5, 5\r\n', 'hello'), body: 'hello', ours: 'either' },
  { name: 'Content-Length with a plus', raw: post('Content-Length: +5\r\n', 'hello'), body: undefined, ours: 'refuse' },
  { name: 'negative Content-Length', raw: post('Content-Length: -5\r\n', 'hello'), body: undefined, ours: 'refuse' },
  { name: 'hex Content-Length', raw: post('Content-Length: 0x5\r\n', 'hello'), body: undefined, ours: 'refuse' },
  { name: 'Content-Length with letters after', raw: post('Content-Length: 5abc\r\n', 'hello'), body: undefined, ours: 'refuse' },
  { name: 'Content-Length past 2^64', raw: post('Content-Length: 99999999999999999999999\r\n', 'hello'), body: undefined, ours: 'refuse' },
  { name: 'empty Content-Length', raw: post('Content-Length: \r\n', ''), body: '', ours: 'either' },
  { name: 'Content-Length with a space inside', raw: post('Content-Length: 1 0\r\n', 'helloworld'), body: undefined, ours: 'refuse' },
  { name: 'Content-Length with a space before the colon', raw: post('Content-Length : 5\r\n', 'hello'), body: undefined, ours: 'refuse' },

  // obfuscated Transfer-Encoding
  { name: 'TE: xchunked', raw: post('Transfer-Encoding: xchunked\r\n', '5\r\nhello\r\n0\r\n\r\n'), body: undefined, ours: 'refuse' },
  { name: 'TE: chunked, gzip (chunked not last)', raw: post('Transfer-Encoding: chunked, gzip\r\n', '5\r\nhello\r\n0\r\n\r\n'), body: undefined, ours: 'refuse' },
  { name: 'TE: gzip, chunked', raw: post('Transfer-Encoding: gzip, chunked\r\n', '5\r\nhello\r\n0\r\n\r\n'), body: 'hello', ours: 'forward' },
  { name: 'TE with a space before the colon', raw: post('Transfer-Encoding : chunked\r\n', '5\r\nhello\r\n0\r\n\r\n'), body: undefined, ours: 'refuse' },
  { name: 'TE with a tab before the colon', raw: post('Transfer-Encoding\t: chunked\r\n', '5\r\nhello\r\n0\r\n\r\n'), body: undefined, ours: 'refuse' },
  { name: 'TE with a vertical tab', raw: post('Transfer-Encoding: \x0bchunked\r\n', '5\r\nhello\r\n0\r\n\r\n'), body: undefined, ours: 'refuse' },
  { name: 'TE folded onto a second line', raw: post('Transfer-Encoding:\r\n chunked\r\n', '5\r\nhello\r\n0\r\n\r\n'), body: 'hello', ours: 'refuse' },
  { name: 'TE: chunked twice on two lines', raw: post(`${chunked}${chunked}`, '5\r\nhello\r\n0\r\n\r\n'), body: 'hello', ours: 'either' },
  { name: 'TE: identity', raw: post('Transfer-Encoding: identity\r\nContent-Length: 5\r\n', 'hello'), body: undefined, ours: 'refuse' },
  { name: 'TE with trailing space', raw: post('Transfer-Encoding: chunked \r\n', '5\r\nhello\r\n0\r\n\r\n'), body: 'hello', ours: 'forward' },
  { name: 'TE on HTTP/1.0', raw: post(chunked, '5\r\nhello\r\n0\r\n\r\n', `POST ${PATH} HTTP/1.0`), body: 'hello', ours: 'forward' },

  // chunk sizes and chunk framing
  { name: 'chunk size past 2^64', raw: post(chunked, 'FFFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n'), body: undefined, ours: 'refuse' },
  { name: 'chunk size not hex', raw: post(chunked, 'g\r\nhello\r\n0\r\n\r\n'), body: undefined, ours: 'refuse' },
  { name: 'chunk size 0x5', raw: post(chunked, '0x5\r\nhello\r\n0\r\n\r\n'), body: undefined, ours: 'refuse' },
  { name: 'chunk size with a leading space', raw: post(chunked, ' 5\r\nhello\r\n0\r\n\r\n'), body: undefined, ours: 'refuse' },
  { name: 'chunk size negative', raw: post(chunked, '-5\r\nhello\r\n0\r\n\r\n'), body: undefined, ours: 'refuse' },
  { name: 'chunk data longer than its size', raw: post(chunked, '5\r\nhelloX\r\n0\r\n\r\n'), body: undefined, ours: 'refuse' },
  { name: 'chunk lines ended by bare LF', raw: post(chunked, '5\nhello\n0\n\n'), body: 'hello', ours: 'refuse' },
  { name: 'chunk size ended by bare CR', raw: post(chunked, '5\rhello\r\n0\r\n\r\n'), body: undefined, ours: 'refuse' },
  { name: 'chunk extension with a control byte', raw: post(chunked, '5;a=\x01\r\nhello\r\n0\r\n\r\n'), body: 'hello', ours: 'refuse' },

  // line endings, control bytes, header syntax
  { name: 'request line ended by bare LF', raw: `POST ${PATH} HTTP/1.1\nHost: t\r\nContent-Length: 5\r\n\r\nhello`, body: 'hello', ours: 'refuse' },
  { name: 'header ended by bare LF', raw: post('Content-Length: 5\n', 'hello'), body: 'hello', ours: 'refuse' },
  { name: 'headers ended by bare LFs', raw: `POST ${PATH} HTTP/1.1\nHost: t\nContent-Length: 5\n\nhello`, body: 'hello', ours: 'refuse' },
  { name: 'bare CR in a header value', raw: post('X-A: a\rb\r\nContent-Length: 5\r\n', 'hello'), body: undefined, ours: 'refuse' },
  { name: 'NUL in a header value', raw: post('X-A: a\x00b\r\nContent-Length: 5\r\n', 'hello'), body: undefined, ours: 'refuse' },
  { name: 'NUL in a header name', raw: post('X-\x00A: b\r\nContent-Length: 5\r\n', 'hello'), body: undefined, ours: 'refuse' },
  { name: 'control byte 0x01 in a header value', raw: post('X-A: a\x01b\r\nContent-Length: 5\r\n', 'hello'), body: undefined, ours: 'refuse' },
  { name: 'DEL in a header value', raw: post('X-A: a\x7fb\r\nContent-Length: 5\r\n', 'hello'), body: undefined, ours: 'either' },
  { name: 'obs-fold in an ordinary header', raw: post('X-A: a\r\n b\r\nContent-Length: 5\r\n', 'hello'), body: 'hello', ours: 'either' },
  { name: 'header line without a colon', raw: post('Foo\r\nContent-Length: 5\r\n', 'hello'), body: undefined, ours: 'refuse' },
  { name: 'header name with a space', raw: post('Foo Bar: x\r\nContent-Length: 5\r\n', 'hello'), body: undefined, ours: 'refuse' },
  { name: 'empty header name', raw: post(': x\r\nContent-Length: 5\r\n', 'hello'), body: undefined, ours: 'refuse' },
  { name: 'headers larger than any limit', raw: post(`X-Big: ${'a'.repeat(80 * 1024)}\r\nContent-Length: 5\r\n`, 'hello'), body: undefined, ours: 'refuse' },
  { name: 'two Host lines', raw: `POST ${PATH} HTTP/1.1\r\nHost: a\r\nHost: b\r\nContent-Length: 5\r\n\r\nhello`, body: undefined, ours: 'refuse' },
  { name: 'no Host line', raw: `POST ${PATH} HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello`, body: 'hello', ours: 'either' },

  // methods, targets, versions
  { name: 'method with a space', raw: post('Content-Length: 5\r\n', 'hello', `PO ST ${PATH} HTTP/1.1`), body: undefined, ours: 'refuse' },
  { name: 'lower-case method', raw: post('Content-Length: 5\r\n', 'hello', `post ${PATH} HTTP/1.1`), body: undefined, ours: 'refuse' },
  { name: 'unknown method', raw: post('Content-Length: 5\r\n', 'hello', `FOO ${PATH} HTTP/1.1`), body: undefined, ours: 'refuse' },
  { name: 'method with a NUL', raw: post('Content-Length: 5\r\n', 'hello', `PO\x00ST ${PATH} HTTP/1.1`), body: undefined, ours: 'refuse' },
  { name: 'two spaces after the method', raw: post('Content-Length: 5\r\n', 'hello', `POST  ${PATH} HTTP/1.1`), body: 'hello', ours: 'either' },
  { name: 'target with a space', raw: post('Content-Length: 5\r\n', 'hello', `POST ${PATH}/a b HTTP/1.1`), body: undefined, ours: 'refuse' },
  { name: 'target with a NUL', raw: post('Content-Length: 5\r\n', 'hello', `POST ${PATH}\x00 HTTP/1.1`), body: undefined, ours: 'refuse' },
  { name: 'target with a control byte', raw: post('Content-Length: 5\r\n', 'hello', `POST ${PATH}\x01 HTTP/1.1`), body: undefined, ours: 'refuse' },
  { name: 'target with a fragment', raw: post('Content-Length: 5\r\n', 'hello', `POST ${PATH}#frag HTTP/1.1`), body: 'hello', ours: 'forward' },
  { name: 'absolute-form target', raw: post('Content-Length: 5\r\n', 'hello', `POST http://t${PATH} HTTP/1.1`), body: 'hello', ours: 'either' },
  { name: 'asterisk target on POST', raw: post('Content-Length: 5\r\n', 'hello', 'POST * HTTP/1.1'), body: 'hello', ours: 'either' },
  { name: 'HTTP/2.0 on an HTTP/1 connection', raw: post('Content-Length: 5\r\n', 'hello', `POST ${PATH} HTTP/2.0`), body: 'hello', ours: 'either' },
  { name: 'version HTTP/1.1x', raw: post('Content-Length: 5\r\n', 'hello', `POST ${PATH} HTTP/1.1x`), body: undefined, ours: 'refuse' },
  { name: 'request line with a trailing space', raw: post('Content-Length: 5\r\n', 'hello', `POST ${PATH} HTTP/1.1 `), body: undefined, ours: 'refuse' },
  { name: 'CONNECT', raw: 'CONNECT t:443 HTTP/1.1\r\nHost: t:443\r\n\r\n', body: undefined, ours: 'refuse' },
  {
    name: 'Upgrade: h2c',
    raw: post('Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\nContent-Length: 5\r\n', 'hello'),
    body: 'hello',
    ours: 'either',
  },
]

const ok = (headers: string, body: string): string => `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n${headers}\r\n${body}`

export const ANSWER_CASES: AnswerCase[] = [
  { name: 'Content-Length', raw: ok('Content-Length: 2\r\n', 'ok'), body: 'ok', ours: 'forward' },
  { name: 'chunked', raw: ok('Transfer-Encoding: chunked\r\n', '2\r\nok\r\n0\r\n\r\n'), body: 'ok', ours: 'forward' },
  { name: 'body until close', raw: ok('', 'ok'), close: true, body: 'ok', ours: 'forward' },
  { name: 'CL and TE', raw: ok('Content-Length: 2\r\nTransfer-Encoding: chunked\r\n', '2\r\nok\r\n0\r\n\r\n'), body: 'ok', ours: 'refuse' },
  { name: 'two different Content-Lengths', raw: ok('Content-Length: 2\r\nContent-Length: 3\r\n', 'ok!'), body: undefined, ours: 'refuse' },
  { name: 'two equal Content-Lengths', raw: ok('Content-Length: 2\r\nContent-Length: 2\r\n', 'ok'), body: 'ok', ours: 'either' },
  { name: 'Content-Length with a plus', raw: ok('Content-Length: +2\r\n', 'ok'), body: undefined, ours: 'refuse' },
  { name: 'TE: xchunked with Content-Length', raw: ok('Transfer-Encoding: xchunked\r\nContent-Length: 2\r\n', 'ok'), body: undefined, ours: 'refuse' },
  { name: 'obs-fold in a header', raw: ok('X-A: a\r\n b\r\nContent-Length: 2\r\n', 'ok'), body: 'ok', ours: 'either' },
  { name: 'bare LF line endings', raw: 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok', body: undefined, ours: 'refuse' },
  { name: 'NUL in a header value', raw: ok('X-A: a\x00b\r\nContent-Length: 2\r\n', 'ok'), body: undefined, ours: 'refuse' },
  { name: 'status of four digits', raw: 'HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok', body: undefined, ours: 'refuse' },
  { name: 'not HTTP at all', raw: 'HTTX/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', body: undefined, ours: 'refuse' },
  { name: 'chunk size past 2^64', raw: ok('Transfer-Encoding: chunked\r\n', 'FFFFFFFFFFFFFFFFFF\r\nok\r\n0\r\n\r\n'), body: undefined, ours: 'refuse' },
  { name: 'header name with a space', raw: ok('Content Length: 2\r\n', 'ok'), close: true, body: undefined, ours: 'refuse' },
  { name: 'a second answer nobody asked for', raw: ok('Content-Length: 2\r\n', 'ok') + ok('Content-Length: 5\r\n', 'extra'), body: 'ok', ours: 'either' },
  { name: 'bytes after the body', raw: ok('Content-Length: 2\r\n', 'okEXTRA'), body: 'ok', ours: 'either' },
  { name: 'Content-Length longer than the body, then close', raw: ok('Content-Length: 10\r\n', 'ok'), close: true, body: undefined, ours: 'refuse' },
  { name: 'chunked cut off, then close', raw: ok('Transfer-Encoding: chunked\r\n', '2\r\nok\r\n'), close: true, body: undefined, ours: 'refuse' },
  { name: '100 Continue before the answer', raw: 'HTTP/1.1 100 Continue\r\n\r\n' + ok('Content-Length: 2\r\n', 'ok'), body: 'ok', ours: 'either' },
  { name: '103 Early Hints before the answer', raw: 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n' + ok('Content-Length: 2\r\n', 'ok'), body: 'ok', ours: 'forward' },
]
