import { describe, expect, it } from 'vitest'
import { parseLoadtestArguments } from '../../../../loadtest/args/loadtest-arguments.js'
import { parseMatrixArguments } from '../../../../loadtest/args/matrix-arguments.js'
import { parseScaleArguments } from '../../../../loadtest/args/scale-arguments.js'

describe('npm run loadtest arguments', () => {
  it('has defaults that run shared mode for 10 s on a local cluster', () => {
    expect(parseLoadtestArguments([])).toMatchObject({
      help: false,
      mode: 'shared',
      policy: 'round-robin',
      customers: 20,
      dialogues: undefined,
      durationMs: 10_000,
      target: undefined,
      clerks: 3,
      keepAlive: true,
      cookies: true,
      compareKeepAlive: false,
      pipelining: 1,
      timeoutSeconds: 10,
      chaos: [],
    })
  })

  it('defaults the policy to what the proxy uses for the mode', () => {
    expect(parseLoadtestArguments(['--mode', 'stateful']).policy).toBe('sticky')
    expect(parseLoadtestArguments(['--mode', 'stateless']).policy).toBe('round-robin')
  })

  it('reads the whole example of the issue', () => {
    const options = parseLoadtestArguments([
      '--mode',
      'shared',
      '--policy',
      'sticky',
      '--customers',
      '50',
      '--dialogues',
      '2000',
      '--duration',
      '30s',
      '--target',
      'http://127.0.0.1:8080/',
      '--keepalive',
      'off',
      '--json',
      'r.json',
      '--html',
      'r.html',
      '--kill',
      'clerk-b@5s',
      '--revive',
      'clerk-b@12s',
      '--terminate',
      'clerk-c@6s',
      '--pause',
      'clerk-a@7s',
      '--resume',
      'clerk-a@8s',
      '--slow',
      'clerk-b:300@5s',
      '--redis-stop@5s',
      '--redis-start@8s',
    ])
    expect(options).toMatchObject({
      mode: 'shared',
      policy: 'sticky',
      customers: 50,
      dialogues: 2000,
      durationMs: 30_000,
      target: 'http://127.0.0.1:8080',
      keepAlive: false,
      jsonFile: 'r.json',
      htmlFile: 'r.html',
    })
    expect(options.chaos.map((c) => c.text)).toEqual([
      '--kill clerk-b@5s',
      '--terminate clerk-c@6s',
      '--pause clerk-a@7s',
      '--resume clerk-a@8s',
      '--revive clerk-b@12s',
      '--slow clerk-b:300@5s',
      '--redis-stop@5s',
      '--redis-start@8s',
    ])
  })

  it('bounds by dialogues alone when no duration is given', () => {
    expect(parseLoadtestArguments(['--dialogues', '300'])).toMatchObject({ dialogues: 300, durationMs: undefined })
  })

  it.each([
    [['--mode', 'sessionless'], /--mode must be one of stateful, stateless, shared, got "sessionless"/],
    [['--policy', 'random'], /--policy must be one of round-robin, least-connections, sticky/],
    [['--customers', '0'], /--customers must be a whole number from 1 to 10000, got 0/],
    [['--customers', 'many'], /--customers must be a whole number/],
    [['--duration', 'forever'], /--duration must be a time such as 30s/],
    [['--keepalive', 'maybe'], /--keepalive must be one of on, off/],
    [['--cookies', 'no'], /--cookies must be one of on, off/],
    [['--items', '0'], /--items must be a whole number from 1 to 50, got 0/],
    [['--items', '1000000'], /--items must be a whole number from 1 to 50/],
    [['--items', 'lots'], /--items must be a whole number/],
    [['--pipelining', '4'], /--pipelining 4 needs --mode stateless/],
    [['--target', 'localhost:8080'], /--target must be an http:\/\/ URL/],
    [['--target', 'http://127.0.0.1:1', '--clerks', '2'], /with --target the cluster is already running/],
    [['--compare-keepalive', '--keepalive', 'off'], /leave out --keepalive/],
    [['--dialogues', '10', '--kill', 'clerk-b@50%'], /needs --duration/],
    [['--bogus'], /Unknown option '--bogus'; see --help/],
  ])('refuses %j with a sentence naming the option', (argv, message) => {
    expect(() => parseLoadtestArguments(argv)).toThrow(message)
  })

  it('lets customers refuse cookies and fill a cart', () => {
    expect(parseLoadtestArguments(['--cookies', 'off']).cookies).toBe(false)
    expect(parseLoadtestArguments([]).items).toBe(1)
    expect(parseLoadtestArguments(['--items', '50']).items).toBe(50)
  })

  it('allows pipelining for stateless dialogues', () => {
    expect(parseLoadtestArguments(['--mode', 'stateless', '--pipelining', '4']).pipelining).toBe(4)
  })

  it('says what went wrong with a stable code', () => {
    try {
      parseLoadtestArguments(['--customers', '-1'])
      expect.unreachable()
    } catch (err) {
      expect((err as { code: string }).code).toBe('LOADTEST_ERR_BAD_OPTION')
    }
  })
})

describe('npm run loadtest:matrix arguments', () => {
  it('kills clerk-b at a third and compares keep-alive by default', () => {
    expect(parseMatrixArguments([])).toMatchObject({
      customers: 20,
      durationMs: 9000,
      killTarget: 'clerk-b',
      compareKeepAlive: true,
      htmlFile: 'reports/loadtest-matrix.html',
    })
  })

  it('can run without chaos or keep-alive comparison, or kill another clerk', () => {
    expect(parseMatrixArguments(['--no-chaos', '--no-keepalive-compare'])).toMatchObject({ killTarget: undefined, compareKeepAlive: false })
    expect(parseMatrixArguments(['--kill', 'clerk-c']).killTarget).toBe('clerk-c')
    expect(() => parseMatrixArguments(['--kill', 'clerk-c', '--no-chaos'])).toThrow(/contradict/)
    expect(() => parseMatrixArguments(['--clerks', '1'])).toThrow(/--clerks must be a whole number from 2/)
  })
})

describe('npm run loadtest:scale arguments', () => {
  it('makes each clerk small by default: 20 ms per answer, 4 at once, up to 4 clerks', () => {
    expect(parseScaleArguments([])).toMatchObject({ maxClerks: 4, workMs: 20, concurrency: 4, customers: 32, durationMs: 6000, mode: 'stateless' })
  })

  it('refuses a bad number with a sentence', () => {
    expect(() => parseScaleArguments(['--max-clerks', '30'])).toThrow(/--max-clerks must be a whole number from 1 to 26, got 30/)
  })
})
