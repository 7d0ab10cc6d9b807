/**
 * Where the reports are written, in one place: the tail every load-test command shares writes the
 * HTML and JSON reports it was asked for and says where they are, one line each on stdout (HTML
 * first, the one a person opens). A missing folder is made.
 *
 * @example
 *   writeReportFiles(buildReport('matrix', summaries), { htmlFile: 'reports/m.html', jsonFile: undefined }, 'session designs')
 *   // HTML report: reports/m.html
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { renderHtmlReport } from './html.js'
import type { LoadtestReport } from './json.js'

export interface ReportFiles {
  /** undefined: no HTML report */
  readonly htmlFile: string | undefined
  /** undefined: no JSON report */
  readonly jsonFile: string | undefined
}

export function writeReportFiles(report: LoadtestReport, files: ReportFiles, title?: string, out: NodeJS.WritableStream = process.stdout): void {
  if (files.htmlFile) {
    writeHtmlReport(files.htmlFile, report, title)
    out.write(`HTML report: ${files.htmlFile}\n`)
  }
  if (files.jsonFile) {
    writeJsonReport(files.jsonFile, report)
    out.write(`JSON report: ${files.jsonFile}\n`)
  }
}

/** writes `text` to `file`, making its folder first (the lessons' --out uses it too) */
export function writeMakingFolders(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, text)
}

export function writeJsonReport(file: string, report: LoadtestReport): void {
  writeMakingFolders(file, JSON.stringify(report, null, 2) + '\n')
}

export function writeHtmlReport(file: string, report: LoadtestReport, title?: string): void {
  writeMakingFolders(file, renderHtmlReport(report, title))
}
