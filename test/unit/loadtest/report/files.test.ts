import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { summarize } from '../../../../loadtest/analyze/summarize.js'
import { writeReportFiles } from '../../../../loadtest/report/files.js'
import { renderHtmlReport } from '../../../../loadtest/report/html.js'
import { buildReport } from '../../../../loadtest/report/json.js'
import { record } from '../records.js'

describe('the report files', () => {
  it('writes the HTML and JSON reports it was asked for and says where, HTML first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-files-'))
    try {
      const report = buildReport('loadtest', [
        summarize({
          target: 'http://127.0.0.1:1',
          mode: 'stateless',
          customers: 1,
          keepAlive: true,
          pipelining: 1,
          startedAt: 0,
          endedAt: 1000,
          stoppedBy: 'duration',
          records: [record({ id: 1, endedAt: 500 })],
          chaos: [],
        }),
      ])
      const out = new PassThrough()
      const files = { htmlFile: join(dir, 'sub', 'r.html'), jsonFile: join(dir, 'r.json') }
      writeReportFiles(report, files, 'a title', out)
      expect(String(out.read())).toBe(`HTML report: ${files.htmlFile}\nJSON report: ${files.jsonFile}\n`)
      expect(readFileSync(files.htmlFile, 'utf8')).toBe(renderHtmlReport(report, 'a title'))
      expect(JSON.parse(readFileSync(files.jsonFile, 'utf8'))).toEqual(JSON.parse(JSON.stringify(report)))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('writes nothing and says nothing for a report not asked for', () => {
    const out = new PassThrough()
    writeReportFiles(buildReport('loadtest', []), { htmlFile: undefined, jsonFile: undefined }, undefined, out)
    expect(out.read()).toBeNull()
  })
})
