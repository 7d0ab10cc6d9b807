import { describe, expect, it } from 'vitest'
import { parseChaosFlag, resolveSchedule } from '../../../../loadtest/args/chaos-flags.js'

describe('reading the chaos schedule from the command line', () => {
  it('reads a clerk and a time for the signal verbs', () => {
    expect(parseChaosFlag('kill', 'clerk-b@5s')).toMatchObject({ verb: 'kill', target: 'clerk-b', arg: undefined, at: { ms: 5000 } })
    expect(parseChaosFlag('terminate', 'clerk-a@500ms').at).toEqual({ ms: 500 })
    expect(parseChaosFlag('revive', 'clerk-b@1.5s').at).toEqual({ ms: 1500 })
    expect(parseChaosFlag('pause', 'clerk-c@33%').at).toEqual({ fraction: 0.33 })
  })

  it('reads the delay of a slow clerk', () => {
    expect(parseChaosFlag('slow', 'clerk-b:300@5s')).toMatchObject({ verb: 'slow', target: 'clerk-b', arg: 300, at: { ms: 5000 } })
  })

  it('reads Redis stop and start with or without the @', () => {
    expect(parseChaosFlag('redis-stop', '5s')).toMatchObject({ verb: 'stop', target: 'redis', at: { ms: 5000 }, text: '--redis-stop@5s' })
    expect(parseChaosFlag('redis-start', '@8s')).toMatchObject({ verb: 'start', target: 'redis', at: { ms: 8000 } })
  })

  it('refuses what it cannot read, with a sentence that says how to write it', () => {
    expect(() => parseChaosFlag('kill', 'clerk-b')).toThrow(/like --kill clerk-b@5s/)
    expect(() => parseChaosFlag('kill', 'clerk-b@soon')).toThrow(/"soon" is not a time/)
    expect(() => parseChaosFlag('slow', 'clerk-b@5s')).toThrow(/like --slow clerk-b:300@5s/)
    expect(() => parseChaosFlag('slow', 'clerk-b:99999@5s')).toThrow(/at most 60000 ms/)
    expect(() => parseChaosFlag('kill', 'clerk b@5s')).toThrow(/not a clerk id/)
    expect(() => parseChaosFlag('kill', 'clerk-b@150%')).toThrow(/at most 100%/)
    try {
      parseChaosFlag('kill', 'x')
    } catch (err) {
      expect((err as { code: string }).code).toBe('LOADTEST_ERR_BAD_CHAOS')
    }
  })

  it('turns shares of the run into offsets and sorts by time', () => {
    const steps = [parseChaosFlag('revive', 'clerk-b@66%'), parseChaosFlag('kill', 'clerk-b@33%'), parseChaosFlag('slow', 'clerk-a:10@1s')]
    expect(resolveSchedule(steps, 9000).map((s) => [s.verb, s.atMs])).toEqual([
      ['slow', 1000],
      ['kill', 2970],
      ['revive', 5940],
    ])
    expect(() => resolveSchedule(steps, undefined)).toThrow(/needs --duration/)
  })
})
