/**
 * The tail every load-test command shares: write the HTML and JSON reports it was asked for and
 * say where they are, one line each on stdout (HTML first, the one a person opens).
 *
 * @example
 *   writeReportFiles(buildReport('matrix', summaries), { htmlFile: 'reports/m.html', jsonFile: undefined }, 'session designs')
 *   // HTML report: reports/m.html
 */
import { writeHtmlReport } from './report-html.js'
import { writeJsonReport, type LoadtestReport } from './report-json.js'

export interface ReportFiles {
  /** undefined: no HTML report */
  readonly htmlFile: string | undefined
  /** undefined: no JSON report */
  readonly jsonFile: string | undefined
}

export function writeReportFiles(
  report: LoadtestReport,
  files: ReportFiles,
  title?: string,
  out: NodeJS.WritableStream = process.stdout,
): void {
  if (files.htmlFile) {
    writeHtmlReport(files.htmlFile, report, title)
    out.write(`HTML report: ${files.htmlFile}\n`)
  }
  if (files.jsonFile) {
    writeJsonReport(files.jsonFile, report)
    out.write(`JSON report: ${files.jsonFile}\n`)
  }
}
