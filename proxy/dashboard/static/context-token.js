// Reads the stateless context token the clerk returns, to show the audience what the client
// carries. The token is opaque by contract (signed with HMAC-SHA256); we only try to show its
// payload when a part of it is base64url JSON, and never rely on its shape for anything else.

/** → { payload: object|null, parts: number }; payload is the first part that decodes as JSON */
export function decodeContextToken(token) {
  if (typeof token !== 'string' || token.length === 0) return { payload: null, parts: 0 }
  const parts = token.split('.')
  for (const part of parts) {
    const json = base64UrlToText(part)
    if (json === null) continue
    try {
      const value = JSON.parse(json)
      if (value && typeof value === 'object') return { payload: value, parts: parts.length }
    } catch {
      // not JSON: try the next part
    }
  }
  return { payload: null, parts: parts.length }
}

function base64UrlToText(part) {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(part)) return null
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/')
    const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4)
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0))
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return null
  }
}
