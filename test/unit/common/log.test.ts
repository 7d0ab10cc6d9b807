import { hostname } from 'node:os'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { createLogger, LOG_LEVELS } from '../../../services/common/log.js'

describe('the one logger', () => {
  it('takes exactly pino’s level names for LOG_LEVEL', () => {
    expect([...LOG_LEVELS].sort()).toEqual([...Object.keys(pino.levels.values), 'silent'].sort())
  })

  it('writes pino lines: level, time, pid, hostname, the service’s name, the fields and msg', () => {
    const lines: string[] = []
    const log = createLogger('proxy', 'info', { write: (line: string) => lines.push(line) })
    log.debug('not at info')
    log.warn({ clerk: 'clerk-b', code: 'ECONNREFUSED' }, 'clerk-b ejected')
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      level: 40,
      time: expect.any(Number),
      pid: process.pid,
      hostname: hostname(),
      name: 'proxy',
      clerk: 'clerk-b',
      code: 'ECONNREFUSED',
      msg: 'clerk-b ejected',
    })
  })
})
