import { describe, expect, it } from 'vitest'
import { spawnService } from '../../helpers/spawn-service.js'

describe('starting the proxy with a bad environment', () => {
  it.each([
    [{}, /CLERKS is required/],
    [{ CLERKS: 'clerk-a:3001' }, /CLERKS entry "clerk-a:3001" must look like id=http/],
    [{ CLERKS: 'clerk-a=http://127.0.0.1:3001', PROXY_ENGINE: 'nginx' }, /PROXY_ENGINE must be one of/],
    [{ CLERKS: 'clerk-a=http://127.0.0.1:3001', HEALTH_INTERVAL_MS: 'often' }, /HEALTH_INTERVAL_MS must be a whole number/],
  ])('exits 1 with one sentence naming the variable (%j)', async (env, message) => {
    const proxy = await spawnService('proxy/main.js', { CLERKS: '', ...env }, undefined)
    const code = await new Promise<number | null>((resolve) => proxy.child.once('exit', resolve))
    expect(code).toBe(1)
    expect(proxy.output()).toMatch(message)
    expect(proxy.output().trim().split('\n')).toHaveLength(1)
  })
})
