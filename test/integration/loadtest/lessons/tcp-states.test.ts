import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { countBySide, readProcNetTcp } from '../../../../loadtest/analyze/tcp-states.js'
import { waitFor } from '../../../../services/common/wait-for.js'

// TCP states on live sockets, read from the kernel's table: the side that closes first keeps
// TIME_WAIT. A loopback server stands for the proxy; its clients for the customers.

const run = promisify(execFile)
const servers: Server[] = []
const sockets: Socket[] = []

afterAll(async () => {
  for (const s of sockets) s.destroy()
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
})

/** a listening server whose connections close as the given side decides; resolves to its port */
async function listen(closesFirst: 'customer' | 'server'): Promise<number> {
  const server = createServer((socket) => {
    sockets.push(socket)
    socket.on('error', () => {})
    if (closesFirst === 'server') socket.end()
    else socket.on('end', () => socket.end()) // the customer's FIN, then ours
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as { port: number }).port
}

function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () => resolve(socket))
    socket.on('error', reject)
    sockets.push(socket)
  })
}

/**
 * The sockets of this server's own connections by side: its listening socket, and every entry
 * whose port at one end is one of `clientPorts`. The kernel may give the server a port that sockets
 * of earlier tests, still in TIME_WAIT for a minute, also name; counting them failed this file once.
 */
function bySide(proxy: number, clientPorts: readonly number[]) {
  const ours = (readProcNetTcp() ?? []).filter((e) => (e.localPort === proxy && e.remotePort === 0) || clientPorts.includes(e.localPort) || clientPorts.includes(e.remotePort))
  return countBySide(ours, { proxy, clerks: [] })
}
const portsOf = (clients: readonly Socket[]) => clients.map((c) => c.localPort as number)

/** the kernel's own TIME_WAIT counters (TcpExt in /proc/net/netstat): what else could end one early */
function timeWaitCounters(): Record<string, string> {
  const [names, values] = readFileSync('/proc/net/netstat', 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('TcpExt:'))
    .map((line) => line.split(/\s+/))
  const picked: Record<string, string> = {}
  names?.forEach((name, i) => {
    if (/^(TW|TWRecycled|TWKilled|TCPTimeWaitOverflow)$/.test(name)) picked[name] = values?.[i] ?? '?'
  })
  return picked
}

/**
 * waitFor on this server's sockets; on timeout the error says what the kernel last showed, and its
 * TIME_WAIT counters before and after (an overflow of the machine's TIME_WAIT table, say, which
 * other tests' load could cause, closes a socket without TIME_WAIT)
 */
async function waitForSides(proxy: number, clientPorts: readonly number[], check: (sides: ReturnType<typeof bySide>) => boolean, what: string) {
  const before = timeWaitCounters()
  let last = bySide(proxy, clientPorts)
  try {
    await waitFor(() => check((last = bySide(proxy, clientPorts))), { what })
  } catch (err) {
    const seen = JSON.stringify({ server: proxy, clientPorts, last, countersBefore: before, countersAfter: timeWaitCounters() })
    throw new Error(`${(err as Error).message}; ${seen}`, { cause: err })
  }
}

describe.skipIf(readProcNetTcp() === undefined)('tcp-states on live sockets', () => {
  it('counts ESTABLISHED at both ends, then TIME_WAIT on the customer side when the customer closes first', async () => {
    const port = await listen('customer')
    const clients = await Promise.all([connect(port), connect(port), connect(port)])
    const ports = portsOf(clients)
    await waitForSides(port, ports, (sides) => sides.customer.ESTABLISHED === 3 && sides['proxy front'].ESTABLISHED === 3, '3 connections established at both ends')
    expect(bySide(port, ports)['proxy front'].LISTEN).toBe(1)
    for (const c of clients) c.end()
    await waitForSides(port, ports, (sides) => sides.customer.TIME_WAIT === 3, 'the customers to hold TIME_WAIT')
    expect(bySide(port, ports)['proxy front'].TIME_WAIT).toBeUndefined()
  })

  it('puts TIME_WAIT on the server side when the server closes first, and the command prints it', async () => {
    const port = await listen('server')
    const client = await connect(port)
    client.on('end', () => client.end()) // the server's FIN, then ours
    const ports = portsOf([client])
    await waitForSides(port, ports, (sides) => sides['proxy front'].TIME_WAIT === 1, 'the server to hold TIME_WAIT')
    expect(bySide(port, ports).customer.TIME_WAIT).toBeUndefined()

    const { stdout } = await run(process.execPath, ['dist/loadtest/lessons/tcp-states.js', '--once', '--json', '--proxy-port', String(port), '--clerk-ports', ''])
    const printed = JSON.parse(stdout) as { sockets: Record<string, Record<string, number>> }
    expect(printed.sockets['proxy front']).toMatchObject({ LISTEN: 1, TIME_WAIT: 1 })

    // --out: the table on the screen, the same JSON in a file (in a folder not made yet)
    const out = join(mkdtempSync(join(tmpdir(), 'tcp-states-')), 'workshop', '12.json')
    const table = (await run(process.execPath, ['dist/loadtest/lessons/tcp-states.js', '--once', '--proxy-port', String(port), '--clerk-ports', '', '--out', out])).stdout
    expect(table).toMatch(/proxy front\s+.*1/)
    expect(table).toContain('TIME_WAIT')
    expect(table).toContain(`JSON: ${out}`)
    const written = JSON.parse(readFileSync(out, 'utf8')) as { ports: { proxy: number }; sockets: Record<string, Record<string, number>> }
    expect(written.ports.proxy).toBe(port)
    expect(written.sockets['proxy front']).toMatchObject({ LISTEN: 1, TIME_WAIT: 1 })
    rmSync(dirname(dirname(out)), { recursive: true, force: true })
  })
})
