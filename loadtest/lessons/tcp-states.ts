/**
 * `npm run tcp-states`: the TCP sockets of a running cluster, counted per state and per side,
 * refreshed every second, from the kernel's own table (/proc/net/tcp and tcp6). A TCP connection
 * is state kept at both ends: run a load test with `--keepalive on`, then `off`, and watch
 * ESTABLISHED stay flat in the first and TIME_WAIT pile up in the second, on the side that
 * closed first.
 *
 * The sides come from the ports: the proxy's (--target, default http://127.0.0.1:$PROXY_PORT or
 * 8080) and the clerks' (--clerk-ports, else read from the proxy's GET /_lb/status).
 *
 * @example
 *   npm run tcp-states                                  # refreshes until Ctrl-C
 *   npm run tcp-states -- --once --target http://127.0.0.1:8080
 *   npm run tcp-states -- --once --out reports/workshop/12-tcp-states.json   # the table, and the JSON in a file
 *   node dist/loadtest/lessons/tcp-states.js --once --proxy-port 8080 --clerk-ports 8081,8082
 */
import { HELP_OPTION, parseArgv, readUrlOption, readWhole } from '../args/readers.js'
import { readCommandLine, runIfMain } from '../args/command-line.js'
import { badOption } from '../errors.js'
import { writeMakingFolders } from '../report/files.js'
import { SIDES, TCP_STATES, countBySide, readProcNetTcp, type Side, type SidePorts, type StateCounts } from '../analyze/tcp-states.js'

export interface TcpStatesOptions {
  readonly target: string
  readonly proxyPort: number | undefined
  readonly clerkPorts: readonly number[] | undefined
  readonly everyMs: number
  readonly once: boolean
  readonly json: boolean
  /** also write each refresh's JSON object to this file (the workshop's self-check reads it) */
  readonly out: string | undefined
  readonly help?: boolean
}

export const TCP_STATES_USAGE = `npm run tcp-states -- [options]

The TCP sockets of the cluster per state (ESTABLISHED, TIME_WAIT, CLOSE_WAIT, FIN_WAIT…) and per
side: customer (the clients' ends of their connections to the proxy), proxy front (the proxy's ends
of them), proxy to clerks, clerks. Read from /proc/net/tcp and /proc/net/tcp6.

  --target URL          the proxy (default http://127.0.0.1:$PROXY_PORT, else :8080)
  --proxy-port N        the proxy's port, without asking it (default: the target's)
  --clerk-ports A,B,…   the clerks' ports (default: from the proxy's GET /_lb/status)
  --every MS            refresh period in ms (default 1000)
  --once                print once and exit
  --json                print one JSON object per refresh
  --out FILE            also write the JSON object to FILE (rewritten each refresh; with
                        --once, the one snapshot): what the workshop's self-check reads
  -h, --help            this text
`

export function parseTcpStatesArguments(argv: readonly string[]): TcpStatesOptions {
  const values = parseArgv(argv, {
    target: { type: 'string' },
    'proxy-port': { type: 'string' },
    'clerk-ports': { type: 'string' },
    every: { type: 'string' },
    once: { type: 'boolean' },
    json: { type: 'boolean' },
    out: { type: 'string' },
    ...HELP_OPTION,
  })
  const target = readUrlOption('target', values.target) ?? `http://127.0.0.1:${process.env.PROXY_PORT ?? '8080'}`
  const clerkPorts = values['clerk-ports']
    ?.split(',')
    .filter((p) => p.trim() !== '')
    .map((p) => readWhole('clerk-ports', p, 0, 1, 65535))
  return {
    target,
    proxyPort: readWhole('proxy-port', values['proxy-port'], undefined, 1, 65535),
    clerkPorts,
    everyMs: readWhole('every', values.every, 1000, 100, 60_000), // ms
    once: values.once ?? false,
    json: values.json ?? false,
    out: values.out,
    ...(values.help ? { help: true } : {}),
  }
}

/** the clerks' ports, from the proxy's status (its clerks' URLs) */
async function clerkPortsFromProxy(target: string): Promise<number[]> {
  let status: { clerks?: { url?: string }[] }
  try {
    const res = await fetch(`${target}/_lb/status`, { signal: AbortSignal.timeout(2_000) })
    status = (await res.json()) as typeof status
  } catch {
    throw badOption(`no proxy answered at ${target}/_lb/status; start the cluster (npm start) or give --clerk-ports`)
  }
  return (status.clerks ?? []).flatMap((c) => (c.url === undefined ? [] : [Number(new URL(c.url).port)]))
}

/** the states shown as columns: those seen, in the kernel's order */
function columnsOf(bySide: Record<Side, StateCounts>): string[] {
  const seen = new Set(SIDES.flatMap((side) => Object.keys(bySide[side])))
  return Object.values(TCP_STATES).filter((name) => seen.has(name))
}

export function renderTcpStates(bySide: Record<Side, StateCounts>, ports: SidePorts, at: Date): string {
  const columns = columnsOf(bySide)
  const lines = [`TCP sockets by side and state: proxy :${ports.proxy}, clerks :${ports.clerks.join(', :') || '(none)'}  ${at.toISOString().slice(11, 19)} UTC`]
  lines.push(['side'.padEnd(16), ...columns.map((c) => c.padStart(12))].join(''))
  for (const side of SIDES) lines.push([side.padEnd(16), ...columns.map((c) => String(bySide[side][c] ?? 0).padStart(12))].join(''))
  if (columns.length === 0) lines.push('(no socket on these ports)')
  return lines.join('\n') + '\n'
}

export async function main(argv: readonly string[]): Promise<number> {
  const options = readCommandLine('tcp-states', argv, parseTcpStatesArguments, TCP_STATES_USAGE)
  if (typeof options === 'number') return options
  const ports: SidePorts = {
    proxy: options.proxyPort ?? Number(new URL(options.target).port || '80'),
    clerks: options.clerkPorts ?? (await clerkPortsFromProxy(options.target)),
  }
  const tty = process.stdout.isTTY && !options.json && !options.once
  for (;;) {
    const entries = readProcNetTcp()
    if (entries === undefined) throw badOption('no /proc/net/tcp here: tcp-states reads the Linux kernel table')
    const bySide = countBySide(entries, ports)
    const snapshot = JSON.stringify({ at: new Date().toISOString(), ports, sockets: bySide })
    if (options.json) process.stdout.write(snapshot + '\n')
    else process.stdout.write((tty ? '\x1b[H\x1b[2J' : '') + renderTcpStates(bySide, ports, new Date()))
    if (options.out !== undefined) writeMakingFolders(options.out, snapshot + '\n')
    if (options.once) {
      if (options.out !== undefined && !options.json) process.stdout.write(`JSON: ${options.out}\n`)
      return 0
    }
    await new Promise((resolve) => setTimeout(resolve, options.everyMs))
  }
}

runIfMain(import.meta.url, 'tcp-states', main)
