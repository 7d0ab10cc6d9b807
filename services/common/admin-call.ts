/**
 * One JSON call to the proxy's admin API (docs/contract.md) with the admin token as a Bearer
 * header and a deadline per call. The answer's body is its JSON, or its text when it is not JSON
 * (a proxy error page, a 404 from something else on the port), so that the caller can put it in
 * a sentence. Shared by the load test's cluster API and the chaos client.
 *
 * @example
 *   const admin = createAdminCall({ proxyUrl: 'http://127.0.0.1:8080', adminToken, timeoutMs: 5_000 })
 *   const { status, body } = await admin.call('PUT', '/_lb/policy', { route: 'stateful', policy: 'sticky' })
 */
export interface AdminCallOptions {
  proxyUrl: string
  adminToken?: string | undefined
  /** per call deadline, ms */
  timeoutMs: number
}

export interface AdminAnswer {
  status: number
  /** the parsed JSON, or the text when the body is not JSON */
  body: unknown
}

export interface AdminCall {
  /** the proxy URL without a trailing slash */
  readonly base: string
  /** content-type, and authorization when there is a token */
  readonly headers: Readonly<Record<string, string>>
  /** sends `body` as JSON (no body when undefined) */
  call(method: string, path: string, body?: unknown): Promise<AdminAnswer>
}

export function createAdminCall({ proxyUrl, adminToken, timeoutMs }: AdminCallOptions): AdminCall {
  const base = proxyUrl.replace(/\/+$/, '')
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (adminToken) headers.authorization = `Bearer ${adminToken}`
  return {
    base,
    headers,
    async call(method, path, body) {
      const res = await fetch(base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      })
      const text = await res.text()
      let parsed: unknown = text
      try {
        parsed = JSON.parse(text)
      } catch {
        // not JSON: keep the text for the caller's message
      }
      return { status: res.status, body: parsed }
    },
  }
}
