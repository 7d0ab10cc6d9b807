import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../services/common/env-checks.js'
import { checkChildEnvironment } from '../../../services/cluster/child-environment.js'

describe('npm start checks what its children will read before starting them', () => {
  it('accepts an environment with nothing set', () => {
    expect(() => checkChildEnvironment({})).not.toThrow()
  })

  it('accepts good values for the children', () => {
    expect(() => checkChildEnvironment({ PROXY_ENGINE: 'http-proxy', POLICY_STATEFUL: 'round-robin', CLERK_WORK_MS: '20' })).not.toThrow()
  })

  it.each([
    [{ PROXY_ENGINE: 'nginx' }, /PROXY_ENGINE must be one of undici, http-proxy/],
    [{ POLICY_SHARED: 'random' }, /POLICY_SHARED must be one of/],
    [{ CLERK_WORK_MS: 'lots' }, /CLERK_WORK_MS/],
    [{ UPSTREAM_TIMEOUT_MS: '-1' }, /UPSTREAM_TIMEOUT_MS/],
  ])('refuses %j with the child\'s sentence naming the variable', (env, message) => {
    expect(() => checkChildEnvironment(env)).toThrow(ConfigError)
    expect(() => checkChildEnvironment(env)).toThrow(message)
  })
})
