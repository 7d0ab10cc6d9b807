import { describe, expect, it } from 'vitest'
import { createCookieJar, parseSetCookie } from '../../../../loadtest/run/cookie-jar.js'

describe('the customer cookie jar', () => {
  it('sends back every cookie it was given, the sticky one and the session one', () => {
    const jar = createCookieJar()
    jar.take(['lb_clerk=abc; Path=/; HttpOnly; SameSite=Lax', 'stateful_sid=s%3A1.sig; Path=/stateful; HttpOnly'])
    expect(jar.header()).toBe('lb_clerk=abc; stateful_sid=s%3A1.sig')
  })

  it('replaces a cookie set again (a re-issued sticky cookie after a redispatch)', () => {
    const jar = createCookieJar()
    jar.take('lb_clerk=abc; Path=/')
    jar.take('lb_clerk=def; Path=/')
    expect(jar.get('lb_clerk')).toBe('def')
  })

  it('forgets a cookie deleted with Max-Age=0 or an Expires in the past', () => {
    const jar = createCookieJar()
    jar.take(['a=1', 'b=2'])
    jar.take(['a=; Max-Age=0', 'b=; Expires=Thu, 01 Jan 1970 00:00:00 GMT'], Date.parse('2026-11-22T00:00:00Z'))
    expect(jar.header()).toBeUndefined()
  })

  it('ignores nonsense and an absent header', () => {
    const jar = createCookieJar()
    jar.take(undefined)
    jar.take(['no-equals-sign', '=value-without-name'])
    expect(jar.header()).toBeUndefined()
    expect(parseSetCookie('x=1=2; Path=/')).toEqual({ name: 'x', value: '1=2', expired: false })
  })
})
