import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { clientErrorBody, clientErrorHandler, type ClientError } from '../../../../proxy/front/client-errors.js'
import { socketAnswer } from '../../../../services/common/socket-answer.js'

const parserError = (code: string, reason = 'x'): ClientError => Object.assign(new Error(`Parse Error: ${reason}`), { code, reason, rawPacket: Buffer.from('x') })

describe('the answer to a request node cannot parse', () => {
  it.each([
    ['HPE_INVALID_CONTENT_LENGTH', 400, 'PROXY_ERR_BAD_REQUEST', /Content-Length is not a whole number/],
    ['HPE_INVALID_METHOD', 400, 'PROXY_ERR_BAD_REQUEST', /method/],
    ['HPE_PAUSED_H2_UPGRADE', 400, 'PROXY_ERR_BAD_REQUEST', /HTTP\/2/],
    ['HPE_SOMETHING_NEW', 400, 'PROXY_ERR_BAD_REQUEST', /the parser's reason/],
    ['HPE_HEADER_OVERFLOW', 431, 'PROXY_ERR_HEADERS_TOO_LARGE', /16 KiB/],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'PROXY_ERR_REQUEST_TIMEOUT', /did not arrive in time/],
  ])('%s → %i %s, naming the code', (code, status, proxyCode, words) => {
    const body = clientErrorBody(parserError(code, "The parser's reason"))
    expect(body).toMatchObject({ code: proxyCode, statusCode: status })
    expect(body.message).toMatch(words)
    expect(body.message).toContain(code)
  })

  it('names the request deadline when it knows it', () => {
    expect(clientErrorBody(parserError('ERR_HTTP_REQUEST_TIMEOUT'), 30_000).message).toMatch(/within 30 s \(PROXY_REQUEST_TIMEOUT_MS\)/)
  })

  it('is a whole HTTP/1.1 response whose content-length is the JSON body', () => {
    const text = socketAnswer({ body: clientErrorBody(parserError('HPE_INVALID_VERSION')) })
    const [head = '', body = ''] = text.split('\r\n\r\n')
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
    expect(head).toMatch(/\r\nconnection: close(\r\n|$)/)
    expect(head).toContain(`content-length: ${Buffer.byteLength(body)}`)
    expect(JSON.parse(body)).toMatchObject({ error: 'bad_request', code: 'PROXY_ERR_BAD_REQUEST', statusCode: 400 })
  })
})

describe('the clientError handler', () => {
  function socketWith(httpMessage?: { headersSent: boolean }) {
    const socket = Object.assign(new PassThrough(), { _httpMessage: httpMessage })
    let written = ''
    socket.on('data', (c: Buffer) => (written += c.toString()))
    return { socket, written: () => written }
  }

  it('answers a parser error on a socket where nothing was written yet', async () => {
    const statuses: number[] = []
    const { socket, written } = socketWith()
    clientErrorHandler((s) => statuses.push(s))(parserError('HPE_INVALID_METHOD'), socket)
    await new Promise((resolve) => socket.once('close', resolve))
    expect(written()).toMatch(/^HTTP\/1\.1 400 /)
    expect(statuses).toEqual([400])
  })

  it.each([
    ['a reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), undefined],
    ['a parser error after a response started', parserError('HPE_INVALID_CHUNK_SIZE'), { headersSent: true }],
  ])('only destroys the socket on %s', (_what, err, httpMessage) => {
    const statuses: number[] = []
    const { socket, written } = socketWith(httpMessage)
    clientErrorHandler((s) => statuses.push(s))(err, socket)
    expect(socket.destroyed).toBe(true)
    expect(written()).toBe('')
    expect(statuses).toEqual([])
  })
})
