import { lookup } from 'node:dns/promises'
import { drainAndRemove } from '../admin/membership.js'
import type { ProxyState } from './proxy-state.js'
import type { Upstream } from './upstream.js'

/**
 * DNS discovery (PROXY_DISCOVER=clerk:3000): every PROXY_DISCOVER_INTERVAL_MS the proxy resolves
 * the service name and makes the clerks it found by that name match the addresses it gets. With
 * `docker compose up --scale clerk=N`, Docker's DNS answers the service name with one address per
 * container, so a clerk started by a scale-up joins within one interval and one stopped by a
 * scale-down leaves (drained first: Docker has sent it SIGTERM, and a stateful clerk hands its
 * dialogues over). Kubernetes' headless services answer the same way.
 *
 * Node's own resolver (dns.lookup: getaddrinfo, so /etc/hosts and Docker's embedded DNS both
 * work) is all this needs; a library would add SRV records and TTLs we do not use.
 *
 * Only clerks this discovery added are ever removed by it: those of PROXY_CLERKS and the admin API
 * stay. A failed lookup changes nothing (a DNS hiccup must not empty the proxy); an answer with no
 * address removes every discovered clerk (the service was scaled to 0).
 */
export interface DiscoveryTarget {
  host: string
  port: number
}

export type Resolve = (host: string) => Promise<string[]>

/** every IPv4 and IPv6 address of `host`, as getaddrinfo gives them */
export const resolveAll: Resolve = async (host) => (await lookup(host, { all: true })).map((a) => a.address)

/** PROXY_DISCOVER's value: `name:port`; undefined when it is not one */
export function parseDiscoverTarget(value: string): DiscoveryTarget | undefined {
  const match = /^([a-zA-Z0-9]([a-zA-Z0-9.-]{0,252})):(\d{1,5})$/.exec(value.trim())
  if (match === null) return undefined
  const port = Number(match[3])
  if (port < 1 || port > 65535) return undefined
  return { host: match[1] as string, port }
}

/** the clerk id the proxy gives an address: the service name and the address, e.g. clerk-172-18-0-5 */
export function discoveredId(target: DiscoveryTarget, address: string): string {
  const name = target.host
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .slice(0, 20)
  const at = address.toLowerCase().replace(/[^a-z0-9]+/g, '-')
  return `${name}-${at}`.slice(0, 63).replace(/-+$/, '')
}

export function addressUrl(address: string, port: number): URL {
  return new URL(`http://${address.includes(':') ? `[${address}]` : address}:${port}`)
}

/** what to change so the discovered clerks match `addresses`; pure */
export function planDiscovery(
  target: DiscoveryTarget,
  addresses: readonly string[],
  discovered: ReadonlyMap<string, Upstream | { id: string; url: URL }>,
  taken: (id: string, url: URL) => boolean,
): { add: { id: string; url: URL }[]; remove: string[] } {
  const wanted = new Map<string, URL>()
  for (const address of addresses) wanted.set(discoveredId(target, address), addressUrl(address, target.port))
  const add = [...wanted].filter(([id, url]) => !discovered.has(id) && !taken(id, url)).map(([id, url]) => ({ id, url }))
  const remove = [...discovered.keys()].filter((id) => !wanted.has(id))
  return { add, remove }
}

export interface DiscoveryOptions {
  target: DiscoveryTarget
  intervalMs: number
  resolve?: Resolve
  /** a failed lookup, in words (the proxy logs it) */
  onError?: (message: string) => void
  /** how long a leaving clerk may take to finish what it answers (ms) */
  graceMs?: number
}

export class Discovery {
  /** the clerks this discovery added, by id */
  readonly discovered = new Map<string, Upstream>()
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private readonly resolve: Resolve

  constructor(
    private readonly state: ProxyState,
    private readonly options: DiscoveryOptions,
  ) {
    this.resolve = options.resolve ?? resolveAll
  }

  start(): void {
    void this.once()
    this.timer = setInterval(() => void this.once(), this.options.intervalMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
  }

  /** one lookup and the changes it calls for (one at a time: a slow DNS does not stack them) */
  once(): Promise<void> {
    this.running ??= this.reconcile().finally(() => {
      this.running = undefined
    })
    return this.running
  }

  private async reconcile(): Promise<void> {
    let addresses: string[]
    try {
      addresses = await this.resolve(this.options.target.host)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      // ENOTFOUND: the name has no address at all, which is what a service scaled to 0 looks like
      if (code !== 'ENOTFOUND') {
        this.options.onError?.(`discovery: ${this.options.target.host} did not resolve (${code ?? (err as Error).message}); the clerks stay as they are`)
        return
      }
      addresses = []
    }
    const plan = planDiscovery(this.options.target, addresses, this.discovered, (id, url) => this.state.byId.has(id) || this.state.clerkAt(url) !== undefined)
    for (const { id, url } of plan.add) this.discovered.set(id, this.state.addClerk(id, url, 'discovery'))
    for (const id of plan.remove) {
      const upstream = this.discovered.get(id)
      this.discovered.delete(id)
      // the last clerk stays (it may come back; the proxy answers no_upstream while it is down)
      if (upstream !== undefined && this.state.upstreams.length > 1) {
        await drainAndRemove(this.state, upstream, 'discovery', this.options.graceMs ?? 10_000)
      } else if (upstream !== undefined) {
        this.discovered.set(id, upstream)
      }
    }
  }
}

/** the discovery PROXY_DISCOVER asks for, started; returns its stop (a no-op without PROXY_DISCOVER) */
export function startDiscovery(state: ProxyState, options: { discover: DiscoveryTarget | undefined; discoverIntervalMs: number }): () => void {
  if (options.discover === undefined) return () => {}
  let lastError = ''
  const discovery = new Discovery(state, {
    target: options.discover,
    intervalMs: options.discoverIntervalMs,
    // once per distinct failure: a name that stays unresolvable must not fill the log
    onError: (message) => {
      if (message !== lastError) process.stderr.write(`proxy: ${message}\n`)
      lastError = message
    },
  })
  discovery.start()
  return () => discovery.stop()
}
