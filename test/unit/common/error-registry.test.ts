import { describe, expect, it } from 'vitest'
import { loadtestErrors } from '../../../loadtest/errors.js'
import { proxyErrors } from '../../../proxy/errors.js'
import { clerkErrors } from '../../../services/clerk/errors.js'
import { clusterErrors } from '../../../services/cluster/errors.js'
import { defineErrors, type ErrorRegistry, type ErrorTable } from '../../../services/common/error-registry.js'

// The one test of what every part's registry promises (the clerk's, the proxy's, the launcher's
// and the load test's): each is built by defineErrors, so each code is the key it is filed under.
const REGISTRIES: Array<[string, string, ErrorRegistry<ErrorTable>]> = [
  ['the clerk', 'CLERK_ERR_', clerkErrors],
  ['the proxy', 'PROXY_ERR_', proxyErrors],
  ['the launcher', 'CLUSTER_ERR_', clusterErrors],
  ['the load test', 'LOADTEST_ERR_', loadtestErrors],
]

describe.each(REGISTRIES)("%s's error registry", (_part, prefix, registry) => {
  it('gives each error the code it is filed under, with the part prefix, a short name and a 4xx/5xx status', () => {
    expect(registry.codes.length).toBeGreaterThan(0)
    for (const code of registry.codes) {
      const Ctor = registry.errors[code]
      if (Ctor === undefined) throw new Error(`no constructor for ${code}`)
      const err = new Ctor('a', 'b')
      expect(err.code).toBe(code)
      expect(code.startsWith(prefix)).toBe(true)
      expect(err.statusCode).toBe(registry.statusOf(code))
      expect(err.statusCode).toBeGreaterThanOrEqual(400)
      expect(registry.nameOf(code)).toMatch(/^[a-z_]+$/)
      expect(err.message.length).toBeGreaterThan(0)
      expect(registry.owns(err)).toBe(true)
    }
  })

  it('names each code once, so a name leads back to its code', () => {
    for (const code of registry.codes) expect(registry.codeOf(registry.nameOf(code))).toBe(code)
  })
})

describe('defineErrors', () => {
  const registry = defineErrors(
    {
      SHOP_ERR_GONE: ['gone', 'The %s is gone.', 410],
      SHOP_ERR_INTERNAL: ['internal_error', 'Broken: %s', 500],
    },
    { internal: 'SHOP_ERR_INTERNAL' },
  )

  it('builds every body in one key order: error, code, statusCode, message, then the extra fields', () => {
    const body = registry.body(new registry.errors.SHOP_ERR_GONE('laptop'), { reason: 'sold', clerk: 'clerk-a' })
    expect(JSON.stringify(body)).toBe('{"error":"gone","code":"SHOP_ERR_GONE","statusCode":410,"message":"The laptop is gone.","reason":"sold","clerk":"clerk-a"}')
  })

  it('names a code it does not know as its internal error, keeping the code and status', () => {
    expect(registry.body({ code: 'ECONNRESET', message: 'x' })).toEqual({ error: 'internal_error', code: 'ECONNRESET', statusCode: 500, message: 'x' })
    expect(registry.has('ECONNRESET') || registry.has('toString') || registry.owns({ code: 'SHOP_ERR_GONE' })).toBe(false)
    expect(registry.codeOf('nothing')).toBeUndefined()
  })
})
