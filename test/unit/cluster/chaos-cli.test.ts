import { describe, expect, it } from 'vitest'
import { CHAOS_USAGE, parseArguments, UsageError } from '../../../services/cluster/chaos-cli.js'

describe('parseArguments', () => {
  it.each([
    [['kill', 'clerk-b'], { kind: 'act', verb: 'kill', target: 'clerk-b' }],
    [['terminate', 'clerk-a'], { kind: 'act', verb: 'terminate', target: 'clerk-a' }],
    [['pause', 'clerk-c'], { kind: 'act', verb: 'pause', target: 'clerk-c' }],
    [['resume', 'clerk-c'], { kind: 'act', verb: 'resume', target: 'clerk-c' }],
    [['revive', 'clerk-b'], { kind: 'act', verb: 'revive', target: 'clerk-b' }],
    [['slow', 'clerk-b', '300'], { kind: 'act', verb: 'slow', target: 'clerk-b', arg: 300 }],
    [['slow', 'clerk-b', '0'], { kind: 'act', verb: 'slow', target: 'clerk-b', arg: 0 }],
    [['redis', 'stop'], { kind: 'act', verb: 'stop', target: 'redis' }],
    [['redis', 'start'], { kind: 'act', verb: 'start', target: 'redis' }],
    [['redis', 'kill'], { kind: 'act', verb: 'kill', target: 'redis' }],
    [['status'], { kind: 'status' }],
    [['policy', 'stateful', 'round-robin'], { kind: 'policy', route: 'stateful', policy: 'round-robin' }],
    [['policy', 'stateless', 'connection+least-connections'], { kind: 'policy', route: 'stateless', policy: 'connection+least-connections' }],
    [[], { kind: 'help' }],
    [['--help'], { kind: 'help' }],
    [['help'], { kind: 'help' }],
  ])('reads %j', (argv, expected) => {
    expect(parseArguments(argv)).toEqual(expected)
  })

  it.each([
    [['explode', 'clerk-b'], /unknown command "explode"/],
    [['kill'], /kill needs a clerk id/],
    [['kill', 'clerk-b', 'clerk-c'], /kill takes one clerk id/],
    [['kill', '../etc'], /is not a clerk id/],
    [['slow', 'clerk-b'], /slow needs a delay in milliseconds/],
    [['slow', 'clerk-b', '-5'], /slow needs a delay in milliseconds/],
    [['slow', 'clerk-b', '1.5'], /slow needs a delay in milliseconds/],
    [['slow', 'clerk-b', '60001'], /slow needs a delay in milliseconds/],
    [['redis'], /redis takes "stop", "start", "kill"/],
    [['redis', 'flush'], /redis takes "stop", "start", "kill", got "flush"/],
    [['status', 'now'], /status takes no argument/],
    [['policy'], /policy needs a route, one of stateful, stateless, shared, orders/],
    [['policy', 'cart', 'sticky'], /policy needs a route, .*got "cart"/],
    [['policy', 'stateful'], /policy stateful needs a policy name/],
    [['policy', 'stateful', 'Sticky!'], /policy stateful needs a policy name/],
    [['policy', 'stateful', 'sticky', 'now'], /policy takes a route and a name/],
  ])('refuses %j with a sentence', (argv, message) => {
    expect(() => parseArguments(argv)).toThrow(UsageError)
    expect(() => parseArguments(argv)).toThrow(message)
  })

  it('has one usage text that names every command', () => {
    for (const word of ['kill', 'terminate', 'pause', 'resume', 'revive', 'slow', 'redis stop|start', 'redis kill', 'policy <route> <name>', 'status']) {
      expect(CHAOS_USAGE).toContain(word)
    }
  })
})
