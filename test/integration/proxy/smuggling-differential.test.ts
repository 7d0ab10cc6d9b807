import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer, type Server } from 'node:http'
import { connect, createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildProxy, type Proxy } from '../../../proxy/build-proxy.js'
import { ResponseParser } from './llhttp-answer-reader.js'
import { ENGINE_NAMES, buildOptions, parseClerks } from '../../../proxy/options.js'
import { freePort } from '../../../services/common/free-port.js'
import { waitFor } from '../../../services/common/wait-for.js'
import { ANSWER_CASES, REQUEST_CASES, type AnswerCase } from './smuggling-corpus.js'

// The differential smuggling test: one corpus of malformed and edge-case messages
// (smuggling-corpus.ts) sent over raw sockets through every engine and through HAProxy (the
// reference, when installed), to a recording clerk (requests) or a raw clerk that answers with
// the case's bytes (answers). Each request is refused, or reaches the clerk exactly once with the
// case's body bytes; each answer is refused (502) or passed on whole, and never leaks into the
// next answer on the same customer connection.

const HAPROXY = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => existsSync(p))
const TARGETS = [...ENGINE_NAMES, ...(HAPROXY === undefined ? [] : ['haproxy'])]
const SENTINEL = 'GET /_lb/status HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'

interface Seen {
  method: string
  url: string
  body: Buffer
}

/** A clerk on node:http that records every request (but health checks and the sentinel) and answers 200. */
let recorder: Server
let recorderPort: number
const seen: Seen[] = []
let recorderErrors = 0

/** A clerk on node:net that answers /stateless/case/<i> with ANSWER_CASES[i]'s bytes. */
let rawClerk: NetServer
let rawClerkPort: number
const rawSockets = new Set<Socket>()

beforeAll(async () => {
  recorder = createHttpServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.url !== '/readyz' && req.url !== '/_lb/status') seen.push({ method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks) })
      res.setHeader('content-type', 'application/json')
      res.end('{"ready":true}')
    })
  })
  recorder.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // a parse error: the proxy sent something that is not HTTP (a reset is not one)
    if (err.code?.startsWith('HPE_') === true) recorderErrors++
    socket.destroy()
  })
  recorderPort = await listenOn(recorder)

  rawClerk = createNetServer((socket) => {
    rawSockets.add(socket)
    socket.once('close', () => rawSockets.delete(socket))
    socket.on('error', () => {})
    let pending = ''
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1')
      // test tooling, not a parser we ship: every request here is a GET head without a body
      for (let end = pending.indexOf('\r\n\r\n'); end !== -1; end = pending.indexOf('\r\n\r\n')) {
        const path = pending.slice(0, pending.indexOf('\r\n')).split(' ')[1] ?? ''
        pending = pending.slice(end + 4)
        const match = /^\/stateless\/case\/(\d+)$/.exec(path)
        const answer = match === null ? undefined : ANSWER_CASES[Number(match[1])]
        if (answer === undefined) {
          socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nafter')
          continue
        }
        socket.write(answer.raw)
        if (answer.close === true) socket.end()
      }
    })
  })
  rawClerkPort = await listenOn(rawClerk)
})

afterAll(async () => {
  for (const s of rawSockets) s.destroy()
  await new Promise((resolve) => rawClerk?.close(resolve))
  recorder?.closeAllConnections()
  await new Promise((resolve) => recorder?.close(resolve))
})

async function listenOn(server: Server | NetServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

/** a proxy (one of our engines, or HAProxy) in front of one clerk; its port and how to stop it */
async function startTarget(target: string, clerkPort: number): Promise<{ port: number; close: () => Promise<void> }> {
  if (target === 'haproxy') return startHaproxy(clerkPort)
  const proxy: Proxy = buildProxy(
    buildOptions({
      port: 0,
      clerks: parseClerks(`clerk-a=http://127.0.0.1:${clerkPort}`),
      engine: target as (typeof ENGINE_NAMES)[number],
      upstreamTimeoutMs: 3_000,
      healthIntervalMs: 60_000, // one check at start: bad answers here must not take the clerk out
      healthFall: 100,
    }),
  )
  const port = await proxy.listen()
  return { port, close: () => proxy.close(500) }
}

async function startHaproxy(clerkPort: number): Promise<{ port: number; close: () => Promise<void> }> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'smuggling-haproxy-'))
  const cfg = join(dir, 'haproxy.cfg')
  writeFileSync(
    cfg,
    [
      'global',
      '  nbthread 1',
      'defaults',
      '  mode http',
      '  timeout connect 1s',
      '  timeout client 5s',
      '  timeout server 3s',
      'frontend fe',
      `  bind 127.0.0.1:${port}`,
      '  default_backend clerks',
      'backend clerks',
      `  server clerk-a 127.0.0.1:${clerkPort}`,
      '',
    ].join('\n'),
  )
  const child: ChildProcess = spawn(HAPROXY as string, ['-f', cfg, '-db', '-q'], { stdio: 'ignore' })
  await waitFor(
    async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok
      } catch {
        return false
      }
    },
    { timeoutMs: 10_000, what: 'haproxy to listen' },
  )
  return {
    port,
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

interface Answer {
  status: number
  body: string
}

/** what came back: the answers llhttp could read, and whether something after them was not HTTP */
interface Exchanged {
  answers: Answer[]
  unparseable: boolean
}

/**
 * Writes `bytes`, reads the first answer (or the close), then writes `then` (if any) and reads
 * until the proxy closes. Returns every answer, parsed with llhttp. Bounded: 10 s.
 */
function exchange(port: number, bytes: string, then: string | undefined): Promise<Exchanged> {
  return new Promise((resolve, reject) => {
    const answers: Answer[] = []
    let unparseable = false
    let current: Answer = { status: 0, body: '' }
    let thenSent = false
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes, 'latin1'))
    const parser = new ResponseParser({
      messageBegin: () => true,
      headersComplete: (status) => {
        current = { status, body: '' }
        return status < 200 ? 1 : 0
      },
      body: (chunk) => (current.body += chunk.toString('latin1')),
      messageComplete: () => {
        if (current.status >= 200) answers.push(current)
        if (!thenSent && then !== undefined && answers.length === 1) {
          thenSent = true
          socket.write(then, 'latin1')
        }
        return true
      },
    })
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no close within 10 s; answers so far ${JSON.stringify(answers)}`))
    }, 10_000)
    socket.on('data', (chunk: Buffer) => {
      if (unparseable) return
      try {
        parser.execute(chunk)
      } catch {
        unparseable = true // a proxy passed on something that is not HTTP (HAProxy, leniently)
        socket.destroy()
      }
    })
    socket.on('error', () => {}) // a reset after the answer is still an answer
    socket.on('close', () => {
      clearTimeout(timer)
      try {
        if (!unparseable) parser.finish() // an answer framed by the close ends here
      } catch {
        // cut short: not an answer
      }
      parser.destroy()
      resolve({ answers, unparseable })
    })
  })
}

describe.each(TARGETS)('through %s', (target) => {
  const ours = target !== 'haproxy'
  /** where the reference (HAProxy) does otherwise than our strict parser: printed, not failed */
  const differences: string[] = []
  afterAll(() => {
    if (differences.length > 0) process.stdout.write(`${target} differs from our proxy on ${differences.length} case(s):\n  ${differences.join('\n  ')}\n`)
  })

  describe('requests', () => {
    let proxy: { port: number; close: () => Promise<void> }
    beforeAll(async () => {
      proxy = await startTarget(target, recorderPort)
    })
    afterAll(async () => {
      await proxy?.close()
    })

    it.each(REQUEST_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const before = seen.length
      const errorsBefore = recorderErrors
      const { answers } = await exchange(proxy.port, c.raw, SENTINEL)
      const forwarded = seen.slice(before)
      const unreadable = recorderErrors - errorsBefore
      // THE rule, for every proxy: refused, or seen once with the same body bytes
      expect(forwarded.length).toBeLessThanOrEqual(1)
      if (forwarded.length === 1) expect(forwarded[0]?.body.toString('latin1')).toBe(c.body)
      if (!ours) {
        if (unreadable > 0) differences.push(`${c.name}: passed on bytes the clerk's parser refused`)
        else if (c.ours !== 'either' && (forwarded.length === 1) !== (c.ours === 'forward')) differences.push(`${c.name}: ${forwarded.length === 1 ? 'forwarded' : 'refused'}`)
        return
      }
      // ours: never a message the clerk cannot read, and what the strict parser decides
      expect(unreadable).toBe(0)
      if (forwarded.length === 0) expect(answers[0]?.status ?? 400).toBeGreaterThanOrEqual(400)
      else expect(answers[0]?.status).toBe(200)
      if (c.ours === 'forward') expect(forwarded, 'forwarded').toHaveLength(1)
      if (c.ours === 'refuse') expect(forwarded, 'refused').toHaveLength(0)
    })
  })

  describe('answers', () => {
    let proxy: { port: number; close: () => Promise<void> }
    beforeAll(async () => {
      proxy = await startTarget(target, rawClerkPort)
    })
    afterAll(async () => {
      await proxy?.close()
    })

    it.each(ANSWER_CASES.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c: AnswerCase, i) => {
      const { answers, unparseable } = await exchange(
        proxy.port,
        `GET /stateless/case/${i} HTTP/1.1\r\nHost: t\r\n\r\n`,
        `GET /stateless/after HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`,
      )
      const [first, second] = answers
      const refused = first?.status === 502
      if (!ours) {
        // the reference: only the desync rule is asserted; the rest is reported
        if (unparseable) differences.push(`${c.name}: passed on an answer that is not HTTP`)
        else {
          // it may close the connection after an answer framed by the close; never leak one into the next
          if (second !== undefined || answers.length > 1) expect(second).toEqual({ status: 200, body: 'after' })
          if (c.ours !== 'either' && refused !== (c.ours === 'refuse')) differences.push(`${c.name}: ${refused ? 'refused' : `passed on ${JSON.stringify(first)}`}`)
        }
        return
      }
      expect(unparseable).toBe(false)
      if (!refused) expect(first).toEqual({ status: 200, body: c.body })
      if (c.ours === 'refuse') expect(first?.status).toBe(502)
      if (c.ours === 'forward') expect(first).toEqual({ status: 200, body: c.body })
      // the next answer on the same customer connection is its own
      expect(second).toEqual({ status: 200, body: 'after' })
      expect(answers).toHaveLength(2)
    })
  })
})
