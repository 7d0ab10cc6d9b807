import { describe, expect, it } from 'vitest'
import { listenFailure } from '../../../../proxy/front/listen-failure.js'

const failure = (code: string, message = `listen ${code}`) => Object.assign(new Error(message), { code })

describe('the sentence for a failed listen', () => {
  it.each([
    ['EADDRINUSE', '127.0.0.1', 4180, 'cannot listen on 127.0.0.1:4180 (PROXY_PORT/PROXY_HOST): address already in use'],
    ['EACCES', '127.0.0.1', 80, 'cannot listen on 127.0.0.1:80 (PROXY_PORT): permission denied (ports below 1024 need privileges)'],
    ['EADDRNOTAVAIL', '10.255.255.1', 4180, 'cannot listen on 10.255.255.1:4180 (PROXY_HOST): PROXY_HOST "10.255.255.1" is not an address of this machine'],
    ['ENOTFOUND', 'not-a-host.invalid', 4180, 'cannot listen on not-a-host.invalid:4180 (PROXY_HOST): PROXY_HOST "not-a-host.invalid" does not resolve'],
    ['ENOTFOUND', '999.0.0.1', 4180, 'cannot listen on 999.0.0.1:4180 (PROXY_HOST): PROXY_HOST "999.0.0.1" does not resolve'],
    ['EADDRINUSE', '::1', 4180, 'cannot listen on [::1]:4180 (PROXY_PORT/PROXY_HOST): address already in use'],
  ])('%s on %s:%i', (code, host, port, sentence) => {
    expect(listenFailure(failure(code), host, port)).toBe(sentence)
  })

  it("keeps node's message for a code it does not know, still on one line", () => {
    const sentence = listenFailure(failure('EWHATEVER', 'listen EWHATEVER: odd'), '127.0.0.1', 4180)
    expect(sentence).toBe('cannot listen on 127.0.0.1:4180 (PROXY_PORT/PROXY_HOST): listen EWHATEVER: odd')
  })
})
