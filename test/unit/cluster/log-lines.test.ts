import { describe, expect, it } from 'vitest'
import { createLogLines } from '../../../services/cluster/log-lines.js'
import { readClusterOptions } from '../../../services/cluster/options.js'

const pinoLine = JSON.stringify({
  level: 40,
  time: Date.UTC(2026, 11, 5, 16, 33, 20),
  pid: 4242,
  hostname: 'box',
  service: 'clerk',
  msg: 'redis unreachable',
  code: 'ECONNREFUSED',
})

describe('the launcher’s child log lines', () => {
  it('are one readable line each by default: level, message and fields, no pid or hostname', () => {
    const line = createLogLines('pretty', false)('clerk-b', pinoLine)
    expect(line).toMatch(/^\[clerk-b\] \[\d\d:\d\d:\d\d\] WARN: redis unreachable \{"code":"ECONNREFUSED"\}$/)
    expect(line).not.toContain('4242')
    expect(line).not.toContain('{"level"')
  })

  it('stay JSON, as the services wrote them, with LOG_FORMAT=json', () => {
    const options = readClusterOptions({ LOG_FORMAT: 'json' })
    expect(options.logFormat).toBe('json')
    expect(createLogLines(options.logFormat, false)('clerk-b', pinoLine)).toBe(`[clerk-b] ${pinoLine}`)
    expect(readClusterOptions({}).logFormat).toBe('pretty')
    expect(() => readClusterOptions({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/)
  })

  it('pass lines that are not pino’s JSON as they are', () => {
    const show = createLogLines('pretty', false)
    for (const line of ['    at Object.<anonymous> (file.js:1:1)', '{ not json', '{"a":1}', '1234:M 05 Dec 2026 16:33:20.000 * Ready to accept connections']) {
      expect(show('redis', line)).toBe(`[redis] ${line}`)
    }
  })
})
