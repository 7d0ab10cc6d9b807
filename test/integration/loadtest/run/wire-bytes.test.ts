import autocannon from 'autocannon'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DialogueRecord } from '../../../../loadtest/run/customer.js'
import { dialogueRequests } from '../../../../loadtest/run/dialogue-requests.js'
import { WireMeter } from '../../../../loadtest/run/wire-bytes.js'

// Bytes on the wire counted against a known exchange: a raw TCP server that answers each step with
// a fixed answer and counts, on its side, every byte each request took. The customer's meter must
// give each dialogue exactly those bytes: the three requests as the server read them, and the
// three fixed answers.

function answer(body: string, extraHeaders = ''): string {
  return `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n${extraHeaders}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
}

const ANSWERS: Record<string, string> = {
  '/stateful/ask': answer('{"step":"ask","say":"1,000,000 won."}', 'set-cookie: stateful_sid=s%3Aabc.def; Path=/stateful; HttpOnly\r\n'),
  '/stateful/buy': answer('{"step":"buy","say":"2,000,000 won. Credit card or cash?"}'),
  '/stateful/pay': answer('{"step":"pay","order":{"id":"o-1","total":2000000}}'),
}
const DIALOGUE_ANSWER_BYTES = Object.values(ANSWERS).reduce((sum, a) => sum + Buffer.byteLength(a), 0)

/** a server that reads HTTP/1.1 requests with a content-length and answers each from ANSWERS */
function fixedServer(requests: { path: string; bytes: number; cookie: string | undefined }[]): Server {
  return createServer((socket: Socket) => {
    let pending = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk])
      for (;;) {
        const end = pending.indexOf('\r\n\r\n')
        if (end < 0) return
        const head = pending.subarray(0, end).toString('latin1')
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0)
        const total = end + 4 + length
        if (pending.length < total) return
        const path = head.split(' ')[1] ?? ''
        requests.push({ path, bytes: total, cookie: /\r\ncookie: *([^\r]*)/i.exec(head)?.[1] })
        pending = pending.subarray(total)
        socket.write(ANSWERS[path] ?? answer('{"error":"not_found"}'))
      }
    })
  })
}

describe('wire bytes of a known exchange', () => {
  const requests: { path: string; bytes: number; cookie: string | undefined }[] = []
  let server: Server
  let url: string

  beforeAll(async () => {
    server = fixedServer(requests)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
  })

  it('a meter on a raw socket: take() gives each exchange, total() all of them', async () => {
    const request = 'POST /stateful/ask HTTP/1.1\r\nhost: x\r\ncontent-length: 20\r\n\r\n{"product":"laptop"}'
    const socket = connect(Number(new URL(url).port), '127.0.0.1')
    const meter = new WireMeter()
    meter.watch(socket)
    const exchange = async () => {
      const got = new Promise<void>((resolve) => {
        let read = 0
        const onData = (chunk: Buffer) => {
          read += chunk.length
          if (read >= Buffer.byteLength(ANSWERS['/stateful/ask']!)) {
            socket.off('data', onData)
            resolve()
          }
        }
        socket.on('data', onData)
      })
      socket.write(request)
      await got
    }
    await exchange()
    const first = { sent: Buffer.byteLength(request), received: Buffer.byteLength(ANSWERS['/stateful/ask']!) }
    expect(meter.take()).toEqual(first)
    await exchange()
    expect(meter.take()).toEqual(first)
    socket.destroy()
    expect(meter.total()).toEqual({ sent: 2 * first.sent, received: 2 * first.received })
    expect(meter.take()).toEqual({ sent: 0, received: 0 })
  })

  it.each([true, false])('each dialogue of the load test gets exactly its requests and answers (keep-alive %s)', async (keepAlive) => {
    requests.length = 0
    const records: DialogueRecord[] = []
    const dialogues = 4
    const traffic = dialogueRequests({ mode: 'stateful', keepAlive, mayStart: () => traffic.started() < dialogues, onDialogue: (r) => records.push(r) })
    await autocannon({ url, connections: 1, duration: 20, requests: traffic.requests, setupClient: traffic.setupClient })
    traffic.closeOpen()
    expect(records.map((r) => r.outcome)).toEqual(Array(dialogues).fill('completed'))
    expect(requests.map((r) => r.path)).toEqual(Array.from({ length: dialogues }, () => ['/stateful/ask', '/stateful/buy', '/stateful/pay']).flat())
    // the cookie of the ask rides on buy and pay, and is counted in their bytes
    expect(requests[1]!.cookie).toBe('stateful_sid=s%3Aabc.def')
    for (const [i, r] of records.entries()) {
      const own = requests.slice(i * 3, i * 3 + 3).reduce((sum, q) => sum + q.bytes, 0)
      expect(r.wire).toEqual({ sent: own, received: DIALOGUE_ANSWER_BYTES })
    }
  })
})
