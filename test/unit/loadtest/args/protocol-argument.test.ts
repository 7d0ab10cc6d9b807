import { describe, expect, it } from 'vitest'
import { parseLoadtestArguments } from '../../../../loadtest/args/loadtest-arguments.js'
import { parseMatrixArguments } from '../../../../loadtest/args/matrix-arguments.js'
import { mcpPolicy } from '../../../../loadtest/mcp/mcp-policy.js'

describe('npm run loadtest -- --protocol', () => {
  it('is http unless asked for mcp', () => {
    expect(parseLoadtestArguments([]).protocol).toBe('http')
    expect(parseLoadtestArguments(['--protocol', 'mcp', '--mode', 'stateful']).protocol).toBe('mcp')
  })

  it('refuses another protocol, and the HTTP-only options with mcp, with a sentence', () => {
    expect(() => parseLoadtestArguments(['--protocol', 'grpc'])).toThrow(/--protocol/)
    expect(() => parseLoadtestArguments(['--protocol', 'mcp', '--mode', 'stateless', '--pipelining', '4'])).toThrow(/HTTP-only/)
    expect(() => parseLoadtestArguments(['--protocol', 'mcp', '--compare-keepalive'])).toThrow(/HTTP-only/)
    expect(() => parseLoadtestArguments(['--protocol', 'mcp', '--items', '5'])).toThrow(/HTTP-only/)
    expect(() => parseLoadtestArguments(['--protocol', 'mcp', '--cookies', 'off'])).toThrow(/HTTP-only/)
  })

  it("turns the cookie's affinity into the session id's for MCP clients, and keeps the others", () => {
    expect(mcpPolicy('sticky')).toBe('mcp-session+round-robin')
    expect(mcpPolicy('round-robin')).toBe('round-robin')
    expect(mcpPolicy('least-connections')).toBe('least-connections')
  })
})

describe('npm run loadtest:matrix -- --mcp', () => {
  it('adds the MCP rows only when asked', () => {
    expect(parseMatrixArguments([]).mcp).toBe(false)
    expect(parseMatrixArguments(['--mcp']).mcp).toBe(true)
  })
})
