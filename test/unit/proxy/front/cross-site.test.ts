import { describe, expect, it } from 'vitest'
import { crossSiteRefusal } from '../../../../proxy/front/cross-site.js'

const req = (method: string, headers: Record<string, string>) => ({ method, headers: { host: 'shop.test:8080', ...headers } })

describe('which requests the proxy takes for cross-site forgeries', () => {
  it.each([
    ['POST', { 'sec-fetch-site': 'cross-site' }],
    ['POST', { 'sec-fetch-site': 'same-site' }],
    ['PUT', { 'sec-fetch-site': 'cross-site' }],
    ['DELETE', { 'sec-fetch-site': 'same-site', origin: 'http://shop.test:8080' }], // Sec-Fetch-Site is the browser's own word
    ['POST', { origin: 'http://evil.test' }],
    ['POST', { origin: 'http://shop.test:8081' }],
    ['POST', { origin: 'null' }],
    ['POST', { origin: 'not a url' }],
    ['PATCH', { origin: 'http://evil.test' }],
  ])('refuses %s with %j', (method, headers) => {
    expect(crossSiteRefusal(req(method, headers))).toMatch(/^The proxy refuses a cross-site /)
  })

  it.each([
    ['POST', { 'sec-fetch-site': 'same-origin' }],
    ['POST', { 'sec-fetch-site': 'none' }],
    ['POST', { origin: 'http://shop.test:8080' }],
    ['POST', { origin: 'http://SHOP.test:8080' }],
    // one host:port serves one scheme; behind a TLS terminator the browser says https, the proxy sees http
    ['POST', { origin: 'https://shop.test:8080' }],
    ['POST', {}], // curl, the load test
    ['GET', { 'sec-fetch-site': 'cross-site' }],
    ['HEAD', { origin: 'http://evil.test' }],
    ['OPTIONS', { 'sec-fetch-site': 'cross-site' }],
  ])('lets %s with %j through', (method, headers) => {
    expect(crossSiteRefusal(req(method, headers))).toBeUndefined()
  })

  it('compares an https Origin on its default port with a Host that leaves it out', () => {
    expect(crossSiteRefusal({ method: 'POST', headers: { host: 'shop.test', origin: 'https://shop.test' } })).toBeUndefined()
  })
})
