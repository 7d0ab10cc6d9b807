import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { keepOutputTail } from '../../../services/common/output-tail.js'

describe('the tail of a child process output', () => {
  it('keeps stdout and stderr, and only the newer half once it overflows', async () => {
    const child = spawn(process.execPath, ['-e', "process.stdout.write('a'.repeat(30)); process.stderr.write('END')"])
    const output = keepOutputTail(child, 20)
    await once(child, 'close')
    expect(output().endsWith('END')).toBe(true)
    expect(output().length).toBeLessThanOrEqual(20)
  })

  it('keeps everything while it fits', async () => {
    const child = spawn(process.execPath, ['-e', "console.log('ready')"])
    const output = keepOutputTail(child, 1_000)
    await once(child, 'close')
    expect(output()).toBe('ready\n')
  })
})
