import { describe, expect, it } from 'vitest'
import { buildOptions, parseClerks, readProxyOptions } from '../../../../proxy/options.js'
import { Discovery, discoveredId, parseDiscoverTarget, resolveAll } from '../../../../proxy/state/discovery.js'
import { ProxyState } from '../../../../proxy/state/proxy-state.js'

// The resolution logic of PROXY_DISCOVER, without a container engine: a resolver we control
// stands in for Docker's DNS (what `docker compose up --scale clerk=N` makes it answer).
const target = { host: 'clerk', port: 3000 }

function setup(answers: (string[] | Error)[]) {
  const state = ProxyState.fromOptions(buildOptions({ clerks: parseClerks('clerk-a=http://127.0.0.1:1') }))
  const events: string[] = []
  state.events.subscribe((e) => {
    if (e.type === 'membership') events.push(`${String(e.change)} ${String(e.clerk)}`)
  })
  const errors: string[] = []
  let call = 0
  const discovery = new Discovery(state, {
    target,
    intervalMs: 60_000,
    graceMs: 0,
    onError: (m) => errors.push(m),
    resolve: async () => {
      const answer = answers[Math.min(call++, answers.length - 1)]
      if (answer instanceof Error) throw answer
      return answer ?? []
    },
  })
  const ids = () => state.upstreams.map((u) => u.id)
  return { state, discovery, events, errors, ids }
}

const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND clerk'), { code: 'ENOTFOUND' })
const serverFailure = Object.assign(new Error('getaddrinfo EAI_AGAIN clerk'), { code: 'EAI_AGAIN' })

describe('DNS discovery', () => {
  it('adds a clerk per address, keeps the ones of PROXY_CLERKS, and follows a scale-up and a scale-down', async () => {
    const { discovery, events, ids, state } = setup([['10.0.0.5', '10.0.0.6'], ['10.0.0.5', '10.0.0.6', '10.0.0.7'], ['10.0.0.7']])
    await discovery.once()
    expect(ids()).toEqual(['clerk-a', 'clerk-10-0-0-5', 'clerk-10-0-0-6'])
    expect(state.byId.get('clerk-10-0-0-5')?.url.origin).toBe('http://10.0.0.5:3000')
    await discovery.once()
    expect(ids()).toEqual(['clerk-a', 'clerk-10-0-0-5', 'clerk-10-0-0-6', 'clerk-10-0-0-7'])
    await discovery.once()
    expect(ids()).toEqual(['clerk-a', 'clerk-10-0-0-7'])
    expect(events).toEqual(['added clerk-10-0-0-5', 'added clerk-10-0-0-6', 'added clerk-10-0-0-7', 'removed clerk-10-0-0-5', 'removed clerk-10-0-0-6'])
  })

  it('a lookup that fails changes nothing and says so; a name with no address (scaled to 0) removes what it added', async () => {
    const { discovery, errors, ids } = setup([['10.0.0.5'], serverFailure, notFound])
    await discovery.once()
    await discovery.once()
    expect(ids()).toEqual(['clerk-a', 'clerk-10-0-0-5'])
    expect(errors).toEqual(['discovery: clerk did not resolve (EAI_AGAIN); the clerks stay as they are'])
    await discovery.once()
    expect(ids()).toEqual(['clerk-a'])
  })

  it('never adds an address another clerk already has, and keeps the last clerk', async () => {
    const state = ProxyState.fromOptions(buildOptions({ clerks: parseClerks('clerk-a=http://10.0.0.5:3000') }))
    const answers = [['10.0.0.5', '10.0.0.6'], []]
    let call = 0
    const discovery = new Discovery(state, { target, intervalMs: 60_000, graceMs: 0, resolve: async () => answers[call++] ?? [] })
    await discovery.once()
    expect(state.upstreams.map((u) => u.id)).toEqual(['clerk-a', 'clerk-10-0-0-6'])
    await discovery.once()
    expect(state.upstreams.map((u) => u.id)).toEqual(['clerk-a'])
  })

  it('names IPv6 clerks too, and resolves a real name through the system resolver', async () => {
    expect(discoveredId(target, 'fd00::5')).toBe('clerk-fd00-5')
    const { discovery, ids } = setup([['fd00::5']])
    await discovery.once()
    expect(ids()).toEqual(['clerk-a', 'clerk-fd00-5'])
    // /etc/hosts: no network needed
    expect(await resolveAll('localhost')).toContain('127.0.0.1')
  })

  it('reads PROXY_DISCOVER as name:port, and refuses anything else with a sentence', () => {
    expect(parseDiscoverTarget('clerk:3000')).toEqual({ host: 'clerk', port: 3000 })
    expect(parseDiscoverTarget('tasks.clerk:80')).toEqual({ host: 'tasks.clerk', port: 80 })
    for (const bad of ['clerk', 'clerk:', ':3000', 'clerk:0', 'clerk:70000', 'http://clerk:3000', 'clerk:3000/x']) expect(parseDiscoverTarget(bad), bad).toBeUndefined()
    const base = { PROXY_CLERKS: 'clerk-a=http://127.0.0.1:1' }
    expect(readProxyOptions({ ...base, PROXY_DISCOVER: 'clerk:3000' }).discover).toEqual({ host: 'clerk', port: 3000 })
    expect(readProxyOptions(base).discover).toBeUndefined()
    expect(() => readProxyOptions({ ...base, PROXY_DISCOVER: 'clerk' })).toThrow(/PROXY_DISCOVER must be a name and a port, such as "clerk:3000"/)
  })
})
