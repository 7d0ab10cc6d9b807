/**
 * The one way a URL (or a sentence holding URLs) is shown anywhere: in a status answer, the
 * banner, a log line, an error message. Credentials become `***`: the password of
 * `scheme://user:password@host` (the whole user part when there is no colon, since some clients
 * read `redis://secret@host` as a password) and query parameters named like a secret
 * (`?password=…`, which ioredis also reads). Everything else is left as written, so the host and
 * port still say where the thing is. Works on text that is not a valid URL, too: a bad REDIS_URL
 * is quoted in the sentence that refuses it.
 *
 * @example
 *   redactUrl('redis://:s3cret@10.0.0.5:6379/0')   // 'redis://:***@10.0.0.5:6379/0'
 *   redactUrl('redis://app:pw@h:6379')             // 'redis://app:***@h:6379'
 */
// scheme://userinfo@ — the userinfo runs to the LAST "@" before the path, so a password holding
// an unescaped "@" is hidden whole
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#"'<>]*)@/gi
const SECRET_PARAMETER = /([?&])([^=&#\s"']*(?:pass|pwd|secret|token|auth)[^=&#\s"']*)=([^&#\s"']*)/gi

export const REDACTED = '***'

export function redactUrl(text: string): string {
  return text
    .replace(USERINFO, (_match, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':')
      return `${scheme}${colon === -1 ? REDACTED : `${userinfo.slice(0, colon)}:${REDACTED}`}@`
    })
    .replace(SECRET_PARAMETER, (_match, separator: string, name: string) => `${separator}${name}=${REDACTED}`)
}
