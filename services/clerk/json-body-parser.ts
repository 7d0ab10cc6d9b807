import type { FastifyInstance } from 'fastify'
import { charsetIsUtf8 } from '../common/json-charset.js'
import { clerkError } from './errors.js'

const FORBIDDEN_KEYS = ['__proto__', 'constructor'] as const

/**
 * Fastify's own JSON parser (secure-json-parse: a `__proto__` key, or a `constructor` holding a
 * `prototype`, is refused), with one difference in what it says: Fastify reports such a body as
 * "not valid JSON", which misleads whoever reads it, since the body is valid JSON. Here that
 * becomes 400 invalid_body naming the key. The extra work happens only on the error path. A body
 * declared in another charset than UTF-8 is 415 (Fastify would decode it as UTF-8 and misread it).
 *
 * @example
 *   installJsonBodyParser(app) // {"__proto__":{}} → 400 invalid_body 'The body may not contain the key "__proto__".'
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  const standard = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (!charsetIsUtf8(request.headers['content-type'])) {
      return done(clerkError('CLERK_ERR_UNSUPPORTED_MEDIA_TYPE', { message: 'Send the body as application/json in UTF-8 (charset=utf-8, or no charset).' }), undefined)
    }
    void standard(request, body as string, (err, value) => {
      if (!err) return done(null, value)
      const key = (err as Error & { code?: string }).code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? forbiddenKey(body as string) : undefined
      if (key === undefined) return done(err, undefined)
      done(clerkError('CLERK_ERR_INVALID_BODY', { message: `The body may not contain the key "${key}".`, field: key }), undefined)
    })
  })
}

/** the first forbidden key at any depth of `text`, if it is valid JSON; undefined otherwise */
export function forbiddenKey(text: string): string | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined // really malformed
  }
  return findKey(value)
}

function findKey(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  for (const name of FORBIDDEN_KEYS) if (Object.hasOwn(value, name)) return name
  for (const child of Object.values(value)) {
    const found = findKey(child)
    if (found !== undefined) return found
  }
  return undefined
}
