import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../services/common/options.js'
import { clerkDefaults, DEV_SESSION_SECRET, readClerkOptions } from '../../../services/clerk/options.js'

describe('the clerk options', () => {
  it('uses the contract defaults for an empty environment, with the dev secret flagged', () => {
    const options = readClerkOptions({})
    expect(options).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      redisUrl: 'redis://127.0.0.1:6379',
      adminToken: undefined,
      workMs: 0,
      concurrency: 0,
      sessionSecret: DEV_SESSION_SECRET,
      sessionSecretIsDefault: true,
    })
    expect(options.clerkId).toMatch(/^clerk-[a-z0-9_-]+$/)
    expect(Object.isFrozen(options)).toBe(true)
  })

  it('reads every variable of the contract', () => {
    const options = readClerkOptions({
      CLERK_PORT: '3001',
      CLERK_HOST: '0.0.0.0',
      CLERK_ID: 'clerk-a',
      REDIS_URL: 'redis://10.0.0.1:6380',
      SESSION_SECRET: 'x'.repeat(40),
      ADMIN_TOKEN: 'let-me-in',
      CLERK_WORK_MS: '20',
      CLERK_CONCURRENCY: '4',
      LOG_LEVEL: 'warn',
      CLERK_REDIS_TIMEOUT_MS: '2000',
    })
    expect(options).toMatchObject({
      port: 3001,
      host: '0.0.0.0',
      clerkId: 'clerk-a',
      redisUrl: 'redis://10.0.0.1:6380',
      sessionSecret: 'x'.repeat(40),
      sessionSecretIsDefault: false,
      adminToken: 'let-me-in',
      workMs: 20,
      concurrency: 4,
      logLevel: 'warn',
      redisTimeoutMs: 2000,
    })
  })

  it('keeps a valid 0 instead of turning it into a default', () => {
    expect(readClerkOptions({ CLERK_PORT: '0', CLERK_WORK_MS: '0' })).toMatchObject({ port: 0, workMs: 0 })
  })

  it.each([
    [{ CLERK_PORT: 'eighty' }, 'CLERK_PORT'],
    [{ CLERK_PORT: '70000' }, 'CLERK_PORT'],
    [{ CLERK_ID: 'Clerk A!' }, 'CLERK_ID'],
    [{ CLERK_ID: 'Clerk-X' }, 'CLERK_ID'],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
    [{ SESSION_SECRET: 'short' }, 'SESSION_SECRET'],
    [{ CLERK_WORK_MS: '-5' }, 'CLERK_WORK_MS'],
    [{ CLERK_CONCURRENCY: '1.5' }, 'CLERK_CONCURRENCY'],
    [{ ADMIN_TOKEN: 'abc' }, 'ADMIN_TOKEN'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ CLERK_REDIS_TIMEOUT_MS: '5' }, 'CLERK_REDIS_TIMEOUT_MS'],
    [{ CLERK_NEW_SESSIONS_PER_MINUTE: '-1' }, 'CLERK_NEW_SESSIONS_PER_MINUTE'],
    [{ CLERK_MEMORY_SESSIONS_MAX: '0' }, 'CLERK_MEMORY_SESSIONS_MAX'],
    [{ CLERK_TRUST_PROXY: 'the-proxy' }, 'CLERK_TRUST_PROXY'],
    [{ CLERK_TRUST_PROXY: '10.0.0.0/99' }, 'CLERK_TRUST_PROXY'],
  ])('refuses %j with a sentence naming %s', (env, name) => {
    expect(() => readClerkOptions(env)).toThrow(ConfigError)
    expect(() => readClerkOptions(env)).toThrow(name)
  })

  it('reads the flood limits and whose X-Forwarded-For to believe', () => {
    expect(readClerkOptions({})).toMatchObject({ newSessionsPerMinute: 120, memorySessionsMax: 100_000, trustProxy: undefined })
    expect(readClerkOptions({ CLERK_NEW_SESSIONS_PER_MINUTE: '0', CLERK_MEMORY_SESSIONS_MAX: '50', CLERK_TRUST_PROXY: 'loopback, 10.0.0.0/8' })).toMatchObject({
      newSessionsPerMinute: 0,
      memorySessionsMax: 50,
      trustProxy: 'loopback, 10.0.0.0/8',
    })
  })

  it('has frozen defaults', () => {
    expect(Object.isFrozen(clerkDefaults)).toBe(true)
  })
})
