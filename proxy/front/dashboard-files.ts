import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, resolve, sep } from 'node:path'
import { projectRoot } from '../../services/common/project-root.js'
import { REPORT_FILE_NAME, REPORTS_ADDRESS, reportsFolder } from '../../services/common/reports-folder.js'
import { ProxyErrors, sendError } from '../errors.js'

const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
})

// The dashboard's buttons change things (new customer, chaos, policy): no page of another origin
// may show it in a frame and trick a visitor into clicking them (clickjacking, the cousin of the
// cross-site forms cross-site.ts refuses). CSP for today's browsers, X-Frame-Options for older.
const NO_FRAMING: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "frame-ancestors 'none'",
  'x-frame-options': 'DENY',
})

// A load-test report is a page of its own (inline CSS and SVG, no script): it may load nothing,
// run nothing and be framed by nobody, whatever text a run's labels put in it.
const REPORT_POLICY: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
})

/** where the dashboard's static files live: proxy/dashboard/static under the project root */
export function dashboardDir(): string {
  return join(projectRoot(import.meta.url), 'proxy', 'dashboard', 'static')
}

/**
 * Compiled modules the dashboard imports beside its static files, by the exact name it asks for:
 * the vocabulary is written once, in services/common/vocabulary.ts, for the services and the page
 * alike (pure data, so the compiled file runs in a browser as it is). A fixed table, looked up by
 * the whole name: nothing a request says is joined to a path here.
 */
const COMPILED_MODULES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'vocabulary.js': ['dist', 'services', 'common', 'vocabulary.js'],
})

function compiledModule(name: string): string | undefined {
  const parts = Object.hasOwn(COMPILED_MODULES, name) ? COMPILED_MODULES[name] : undefined
  return parts === undefined ? undefined : join(projectRoot(import.meta.url), ...parts)
}

/**
 * GET / → index.html; GET /dashboard/<file> → that file of the static dir (or, for
 * /dashboard/vocabulary.js, the compiled module of COMPILED_MODULES). Paths are decoded and
 * resolved, and anything that resolves outside the dir is a 404 (no `..` escapes). When the dir is
 * missing, / answers a short note instead of the page.
 */
export function serveDashboard(req: IncomingMessage, res: ServerResponse, dir: string): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendError(res, new ProxyErrors.PROXY_ERR_METHOD_NOT_ALLOWED('The dashboard answers GET only'))
    return
  }
  const url = req.url ?? '/'
  const q = url.indexOf('?')
  const path = q === -1 ? url : url.slice(0, q)
  if (path === '/dashboard') {
    res.writeHead(301, { location: '/dashboard/' })
    res.end()
    return
  }
  if (path.startsWith(REPORTS_ADDRESS)) {
    serveReport(req, res, path.slice(REPORTS_ADDRESS.length))
    return
  }
  const relative = path === '/' || path === '/dashboard/' ? 'index.html' : path.slice('/dashboard/'.length)
  if (!existsSync(dir)) {
    if (relative === 'index.html') {
      const note = `<!doctype html><title>clerk-cluster proxy</title><p>The dashboard files are not here (${escapeHtml(dir)}). The proxy works: see <a href="/_lb/status">/_lb/status</a>, <a href="/_lb/events">/_lb/events</a> and <a href="/metrics">/metrics</a>.</p>\n`
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(note), ...NO_FRAMING })
      res.end(req.method === 'HEAD' ? undefined : note)
      return
    }
    sendError(res, new ProxyErrors.PROXY_ERR_NOT_FOUND('The dashboard files are not installed'))
    return
  }
  let decoded: string
  try {
    decoded = decodeURIComponent(relative)
  } catch {
    sendError(res, new ProxyErrors.PROXY_ERR_NOT_FOUND(`No dashboard file ${path}`))
    return
  }
  const root = resolve(dir)
  const compiled = compiledModule(decoded)
  const file = compiled ?? resolve(root, decoded)
  if (compiled === undefined && (decoded.includes('\0') || !file.startsWith(root + sep))) {
    sendError(res, new ProxyErrors.PROXY_ERR_NOT_FOUND(`No dashboard file ${path}`))
    return
  }
  let size: number
  try {
    const stat = statSync(file)
    if (!stat.isFile()) throw new Error('not a file')
    size = stat.size
  } catch {
    sendError(res, new ProxyErrors.PROXY_ERR_NOT_FOUND(`No dashboard file ${path}`))
    return
  }
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': size,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    ...NO_FRAMING,
  })
  if (req.method === 'HEAD') {
    res.end()
    return
  }
  const stream = createReadStream(file)
  stream.once('error', () => res.destroy())
  stream.pipe(res)
}

/**
 * GET /dashboard/reports/<name>: a load-test HTML report from the reports folder (the load test
 * links its verdict card there). The name is matched whole against REPORT_FILE_NAME before it
 * touches the file system (no decoding, so no `%2e%2e`, no slash, no folder), and the file's real
 * path must still be in the folder (a symlink pointing out is refused).
 */
function serveReport(req: IncomingMessage, res: ServerResponse, name: string): void {
  const notFound = () => sendError(res, new ProxyErrors.PROXY_ERR_NOT_FOUND(`No load-test report ${name.slice(0, 80)}`))
  if (!REPORT_FILE_NAME.test(name)) return notFound()
  let file: string
  let size: number
  try {
    const folder = realpathSync(reportsFolder())
    file = realpathSync(join(folder, name))
    const stat = statSync(file)
    if (!file.startsWith(folder + sep) || !stat.isFile()) return notFound()
    size = stat.size
  } catch {
    return notFound()
  }
  res.writeHead(200, {
    'content-type': CONTENT_TYPES['.html'],
    'content-length': size,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    ...REPORT_POLICY,
  })
  if (req.method === 'HEAD') {
    res.end()
    return
  }
  const stream = createReadStream(file)
  stream.once('error', () => res.destroy())
  stream.pipe(res)
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string)
}
