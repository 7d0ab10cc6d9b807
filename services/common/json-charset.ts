/**
 * JSON bodies are read as UTF-8 (RFC 8259 §8.1). A Content-Type that names another charset
 * (`application/json; charset=utf-16`) would be accepted by Fastify and then decoded as UTF-8,
 * i.e. misread; the clerk and the launcher refuse it with 415 instead. No charset, or utf-8 in
 * any case, quoted or not, is fine.
 *
 * @example
 *   charsetIsUtf8('application/json; charset="UTF-8"')   // true
 *   charsetIsUtf8('application/json; charset=utf-16')    // false
 */
export function charsetIsUtf8(contentType: string | undefined): boolean {
  const charset = contentType === undefined ? undefined : charsetOf(contentType)
  return charset === undefined || charset === 'utf-8'
}

/** the charset parameter of a Content-Type, lower case and unquoted; undefined when absent */
export function charsetOf(contentType: string): string | undefined {
  for (const parameter of contentType.split(';').slice(1)) {
    const eq = parameter.indexOf('=')
    if (eq === -1 || parameter.slice(0, eq).trim().toLowerCase() !== 'charset') continue
    return parameter
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase()
  }
  return undefined
}
