import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../services/common/options.js'
import { checkChildEnvironment } from '../../../services/cluster/child-environment.js'

describe('npm start checks what its children will read before starting them', () => {
  it('accepts an environment with nothing set', () => {
    expect(() => checkChildEnvironment({})).not.toThrow()
  })

  it('accepts good values for the children', () => {
    expect(() => checkChildEnvironment({ PROXY_ENGINE: 'http-proxy', PROXY_POLICY_STATEFUL: 'round-robin', CLERK_WORK_MS: '20' })).not.toThrow()
  })

  it.each([
    [{ PROXY_ENGINE: 'nginx' }, /PROXY_ENGINE must be one of undici, http-proxy/],
    [{ PROXY_POLICY_SHARED: 'random' }, /PROXY_POLICY_SHARED must be one of/],
    [{ CLERK_WORK_MS: 'lots' }, /CLERK_WORK_MS/],
    [{ PROXY_UPSTREAM_TIMEOUT_MS: '-1' }, /PROXY_UPSTREAM_TIMEOUT_MS/],
  ])("refuses %j with the child's sentence naming the variable", (env, message) => {
    expect(() => checkChildEnvironment(env)).toThrow(ConfigError)
    expect(() => checkChildEnvironment(env)).toThrow(message)
  })
})
