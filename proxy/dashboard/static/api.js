// Every HTTP call the page makes, in one place. Nothing here touches the DOM: each call resolves
// to { ok, status, body, headers, error } and never throws, so a dead clerk or a stopped proxy
// becomes a message on the page instead of an unhandled rejection.

const TIMEOUT_MS = 15_000 // above the proxy's own upstream deadline would be pointless; 15 s is a stuck request

/** @param {{ getToken: () => string }} options */
export function createApi({ getToken }) {
  async function call(method, path, body, { admin = false, cookies = true } = {}) {
    const headers = {}
    if (body !== undefined) headers['content-type'] = 'application/json'
    const token = admin ? getToken() : ''
    if (token) headers.authorization = `Bearer ${token}`
    let res
    try {
      res = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        // same-origin cookies: stateful_sid, shared_sid and the proxy's lb_clerk ride along,
        // exactly as they would for a customer's browser
        // (a column with cookies off sends none and keeps none, like a browser that refuses them)
        credentials: cookies ? 'same-origin' : 'omit',
        cache: 'no-store',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      })
    } catch (err) {
      const reason = err?.name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : 'the proxy is not reachable'
      return { ok: false, status: 0, body: null, headers: new Headers(), error: reason }
    }
    const text = await res.text().catch(() => '')
    let parsed
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      parsed = { message: text.slice(0, 200) }
    }
    return { ok: res.ok, status: res.status, body: parsed, headers: res.headers, error: null }
  }

  return {
    /** POST /{mode}/{step} with the customer's line */
    say: (mode, step, body, { cookies = true } = {}) => call('POST', `/${mode}/${step}`, body, { cookies }),
    /**
     * POST /_lb/new-customer?mode=…: the proxy answers with Set-Cookie headers that expire this
     * browser's HttpOnly cookies (the page cannot), so the next line arrives with an empty jar
     */
    newCustomer: (mode) => call('POST', `/_lb/new-customer?mode=${encodeURIComponent(mode)}`),
    lbStatus: () => call('GET', '/_lb/status', undefined, { admin: true }),
    clusterStatus: () => call('GET', '/_cluster/status', undefined, { admin: true }),
    setPolicy: (route, policy) => call('PUT', '/_lb/policy', { route, policy }, { admin: true }),
    /** launcher chaos: kill | terminate | pause | resume | revive | slow */
    launcher: (id, verb, body = {}) => call('POST', `/_cluster/clerks/${encodeURIComponent(id)}/${verb}`, body, { admin: true }),
    redis: (verb) => call('POST', `/_cluster/redis/${verb}`, {}, { admin: true }),
    /** a new clerk behind the proxy (npm start's launcher: next free id and port) */
    addClerk: () => call('POST', '/_cluster/clerks', {}, { admin: true }),
    /** proxy admin: drain | undrain | crash | slow */
    lb: (id, verb, body = {}) => call('POST', `/_lb/clerks/${encodeURIComponent(id)}/${verb}`, body, { admin: true }),
  }
}
