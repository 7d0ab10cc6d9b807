import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { connect, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

/**
 * Small fake clerks on loopback for faults a real clerk cannot produce on demand. Each is a real
 * server on a real socket; `url` is its origin, `close()` ends it and every connection.
 */
export interface Fake {
  url: string
  /** requests it has seen (method + path), in order */
  seen: string[]
  close(): Promise<void>
}

async function listen(server: Server | NetServer, sockets: Set<Socket>): Promise<string> {
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.once('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function closer(server: Server | NetServer, sockets: Set<Socket>): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy()
      server.close(() => resolve())
    })
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string, reused: boolean) => void

/** an HTTP fake: `handler` decides each answer; /readyz answers ready unless the handler takes it */
export async function httpFake(id: string, handler?: Handler): Promise<Fake> {
  const seen: string[] = []
  const sockets = new Set<Socket>()
  const served = new WeakMap<Socket, number>()
  const server = createHttpServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => (body += c))
    req.on('end', () => {
      const n = served.get(req.socket) ?? 0
      served.set(req.socket, n + 1)
      if (req.url !== '/readyz') seen.push(`${req.method} ${req.url}`)
      if (handler && (req.url !== '/readyz' || id.startsWith('hang'))) {
        handler(req, res, body, n > 0)
        return
      }
      const answer = JSON.stringify({ clerk: id, status: 'ready', path: req.url, got: body })
      res.writeHead(200, { 'content-type': 'application/json', 'x-clerk': id })
      res.end(answer)
    })
  })
  server.keepAliveTimeout = 60_000
  const url = await listen(server, sockets)
  return { url, seen, close: closer(server, sockets) }
}

/** a healthy clerk that names itself */
export function goodFake(id: string): Promise<Fake> {
  return httpFake(id)
}

/** accepts the connection, reads the request, never answers */
export function hangingFake(): Promise<Fake> {
  return httpFake('hang', () => {})
}

/** answers bytes that are not HTTP */
export async function garbageFake(): Promise<Fake> {
  const seen: string[] = []
  const sockets = new Set<Socket>()
  const server = createNetServer((socket) => {
    socket.once('data', (d) => {
      seen.push(d.toString('latin1').split('\r\n')[0] ?? '')
      socket.end('SPAM SPAM SPAM\r\nthis is not http\r\n\r\n')
    })
    socket.on('error', () => {})
  })
  const url = await listen(server, sockets)
  return { url, seen, close: closer(server, sockets) }
}

/** passes its health checks (GET /readyz), and answers every other request with bytes that are not HTTP */
export async function readyThenGarbageFake(): Promise<Fake> {
  const seen: string[] = []
  const sockets = new Set<Socket>()
  const ready = '{"status":"ready"}'
  const server = createNetServer((socket) => {
    socket.once('data', (d) => {
      const line = d.toString('latin1').split('\r\n')[0] ?? ''
      if (line.startsWith('GET /readyz ')) {
        socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${ready.length}\r\nconnection: close\r\n\r\n${ready}`)
        return
      }
      seen.push(line)
      socket.end('SPAM SPAM SPAM\r\nthis is not http\r\n\r\n')
    })
    socket.on('error', () => {})
  })
  const url = await listen(server, sockets)
  return { url, seen, close: closer(server, sockets) }
}

/** sends the headers and part of the body, then resets the connection */
export function resetMidResponseFake(): Promise<Fake> {
  return httpFake('reset', (req, res) => {
    if (req.url === '/readyz') return
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
    res.write('{"clerk":"reset","say":')
    setImmediate(() => req.socket.resetAndDestroy())
  })
}

/**
 * Answers the first request on a connection normally and keeps it alive, then closes that
 * connection when the next request arrives on it, without answering: the race of a clerk closing
 * an idle keep-alive socket just as the proxy reuses it.
 */
export function closesReusedSocketFake(id: string): Promise<Fake> {
  return httpFake(id, (req, res, body, reused) => {
    if (reused && req.url !== '/readyz') {
      req.socket.destroy()
      return
    }
    const answer = JSON.stringify({ clerk: id, path: req.url, got: body })
    res.writeHead(200, { 'content-type': 'application/json', 'x-clerk': id })
    res.end(answer)
  })
}

/**
 * A port nothing listens on, and nothing will while the test runs: one below 1024 that refuses now.
 * listen(0) never hands those out, so no other test can take it; a freed ephemeral port could be
 * (a fake of a test running alongside once answered on "dead", and no request was refused).
 */
export async function deadUrl(): Promise<string> {
  for (let port = 1; port < 1024; port++) if (await refuses(port)) return `http://127.0.0.1:${port}`
  throw new Error('every port below 1024 of 127.0.0.1 accepts a connection: no dead port for the test')
}

/** a connection to 127.0.0.1:`port` is refused */
function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy()
      resolve(false)
    })
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'))
  })
}
