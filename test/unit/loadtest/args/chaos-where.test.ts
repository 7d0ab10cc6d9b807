import { describe, expect, it } from 'vitest'
import { parseChaosFlag } from '../../../../loadtest/args/chaos-flags.js'
import { parseLoadtestArguments } from '../../../../loadtest/args/loadtest-arguments.js'

// Where chaos goes when --target is not our proxy (--cluster, --clerk, --orchestrator), and the
// membership steps (--add-clerk, --remove, --scale): read, or refused in one sentence.
const target = ['--target', 'http://127.0.0.1:8090']

describe('the load test: where chaos goes', () => {
  it('reads --clerk ID=URL repeatedly into a map of clerk addresses', () => {
    const options = parseLoadtestArguments([...target, '--clerk', 'clerk-b=http://127.0.0.1:3002/', '--clerk', 'clerk-c=http://127.0.0.1:3003'])
    expect(options.clerkUrls).toEqual({ 'clerk-b': 'http://127.0.0.1:3002', 'clerk-c': 'http://127.0.0.1:3003' })
    expect(options.clusterUrl).toBeUndefined()
  })

  it('reads --cluster URL and --orchestrator kubernetes with --namespace', () => {
    expect(parseLoadtestArguments([...target, '--cluster', 'http://127.0.0.1:41234']).clusterUrl).toBe('http://127.0.0.1:41234')
    const k8s = parseLoadtestArguments([...target, '--orchestrator', 'kubernetes', '--namespace', 'shop', '--scale', '5@10s'])
    expect(k8s).toMatchObject({ orchestrator: 'kubernetes', namespace: 'shop' })
    expect(k8s.chaos).toEqual([expect.objectContaining({ verb: 'scale', arg: 5, at: { ms: 10_000 } })])
  })

  it('refuses a malformed --clerk, a URL that is not http, two places for chaos, and chaos options without --target', () => {
    expect(() => parseLoadtestArguments([...target, '--clerk', 'clerk-b'])).toThrow(/--clerk takes a clerk id and its own URL, like --clerk clerk-b=http/)
    expect(() => parseLoadtestArguments([...target, '--clerk', 'clerk b=http://x'])).toThrow(/--clerk takes a clerk id/)
    expect(() => parseLoadtestArguments([...target, '--clerk', 'clerk-b=https://127.0.0.1:3002'])).toThrow(/--clerk clerk-b must be an http:\/\/ URL/)
    expect(() => parseLoadtestArguments([...target, '--clerk', 'clerk-b=http://a', '--clerk', 'clerk-b=http://b'])).toThrow(/given twice/)
    expect(() => parseLoadtestArguments([...target, '--cluster', 'ftp://x'])).toThrow(/--cluster must be an http:\/\/ URL/)
    expect(() => parseLoadtestArguments(['--target', 'https://lb.example'])).toThrow(/--target must be an http:\/\/ URL/)
    expect(() => parseLoadtestArguments([...target, '--cluster', 'http://a', '--clerk', 'clerk-b=http://b'])).toThrow(/--cluster and --clerk each say where chaos goes: choose one/)
    expect(() => parseLoadtestArguments(['--clerk', 'clerk-b=http://127.0.0.1:3002'])).toThrow(/--clerk goes with --target/)
    expect(() => parseLoadtestArguments([...target, '--orchestrator', 'nomad'])).toThrow(/--orchestrator must be one of kubernetes/)
    expect(() => parseLoadtestArguments([...target, '--namespace', 'shop'])).toThrow(/--namespace goes with --orchestrator kubernetes/)
    expect(() => parseLoadtestArguments([...target, '--orchestrator', 'kubernetes', '--namespace', 'Shop_1'])).toThrow(/Kubernetes namespace name/)
  })

  it('reads --add-clerk@TIME and --remove CLERK@TIME; --scale needs Kubernetes and at least one clerk', () => {
    const options = parseLoadtestArguments(['--add-clerk@2s', '--remove', 'clerk-d@6s', '--duration', '8s'])
    expect(options.chaos.map((s) => [s.verb, s.target, s.text])).toEqual([
      ['remove', 'clerk-d', '--remove clerk-d@6s'],
      ['add', 'clerks', '--add-clerk@2s'],
    ])
    expect(parseChaosFlag('add-clerk', '50%').at).toEqual({ fraction: 0.5 })
    expect(() => parseLoadtestArguments(['--scale', '3@2s'])).toThrow(/--scale 3@2s: --scale sets the replicas of an orchestrator; it needs --orchestrator kubernetes/)
    expect(() => parseChaosFlag('scale', '0@2s')).toThrow(/scale to 1 to 100 clerks, got 0/)
    expect(() => parseChaosFlag('scale', 'five@2s')).toThrow(/like --scale 5@10s/)
    expect(() => parseChaosFlag('add-clerk', 'soon')).toThrow(/"soon" is not a time/)
  })
})
