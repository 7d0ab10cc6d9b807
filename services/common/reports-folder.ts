/**
 * Where load-test HTML reports live so the dashboard can link to them: `<project>/reports/`
 * (git-ignored). The proxy serves only files directly in this folder whose whole name matches
 * REPORT_FILE_NAME (proxy/front/dashboard-files.ts), and the load test names a report by that
 * address only when it wrote the file there: one rule, written once, for both sides.
 *
 * @example
 *   reportAddress(join(reportsFolder(), 'loadtest-20261205-171500.html'))
 *   // '/dashboard/reports/loadtest-20261205-171500.html'
 *   reportAddress('/tmp/mine.html') // undefined: the proxy would not serve it
 */
import { basename, dirname, join, resolve } from 'node:path'
import { projectRoot } from './project-root.js'

/** a plain file name: no folder, no leading dot, no `..`, ends in .html */
export const REPORT_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*\.html$/

export const REPORTS_ADDRESS = '/dashboard/reports/'

export function reportsFolder(): string {
  return join(projectRoot(import.meta.url), 'reports')
}

/** the proxy address of a report file, or undefined when the proxy would not serve that file */
export function reportAddress(file: string): string | undefined {
  const name = basename(file)
  if (dirname(resolve(file)) !== resolve(reportsFolder()) || !REPORT_FILE_NAME.test(name)) return undefined
  return `${REPORTS_ADDRESS}${name}`
}

/** `reports/loadtest-20261205-171500.html` for a run started at `now` (UTC) */
export function defaultReportFile(prefix: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
  return join(reportsFolder(), `${prefix}-${stamp}.html`)
}
