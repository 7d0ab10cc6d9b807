import type { HeadOfLine } from '../../loadtest/lessons/pipelining.js'
import { fail, pass, type Verdict } from '../verdict.js'
import type { CheckContext } from './context.js'
import { readJsonFile, reportPath } from './load-report.js'

export const PIPELINING_REPORT = '13-pipelining.json'

/** what `npm run lesson:pipelining -- --out FILE` writes (loadtest/lessons/pipelining.ts) */
interface PipeliningResult {
  slowClerk: string
  slowMs: number
  rows: HeadOfLine[]
}

function isResult(json: unknown): json is PipeliningResult {
  const r = json as Partial<PipeliningResult>
  return typeof r.slowClerk === 'string' && typeof r.slowMs === 'number' && Array.isArray(r.rows)
}

const describeRow = (r: HeadOfLine): string =>
  `${r.transport}: median ms per position ${r.byPosition.join(', ')}; ${r.behindSlow.fasterThanIt} of the ${r.behindSlow.answers} answers sent behind a slow one came back before it`

/**
 * Exercise 13: the learner's run of the pipelining lesson. On one pipelined connection the answers
 * leave in the order of the requests, so none sent behind the slowed clerk's answer comes back
 * before it; on separate connections the fast ones pass it.
 */
export async function checkPipelining(ctx: CheckContext): Promise<Verdict> {
  const path = reportPath(ctx, PIPELINING_REPORT)
  const look = `the lesson's result: ${path}; its table on the screen (npm run lesson:pipelining)`
  const read = readJsonFile(path, 'pipelining result')
  if ('missing' in read) return fail([read.missing], look)
  if (!isResult(read.json)) return fail([`${path} is not the pipelining lesson's result: write it with npm run lesson:pipelining -- --out FILE`], look)
  const { slowClerk, slowMs, rows } = read.json
  const pipelined = rows.find((r) => r.transport === 'pipelined')
  const separate = rows.find((r) => r.transport === 'separate')
  if (!pipelined || !separate) return fail([`${path} lacks the pipelined or the separate row`], look)
  const saw = [`${slowClerk} slowed by ${slowMs} ms`, describeRow(pipelined), describeRow(separate)]
  const missing: string[] = []
  if (pipelined.behindSlow.answers === 0) missing.push('no pipelined answer was sent behind a slow one: run the lesson against the cluster with its defaults (--depth 6)')
  if (pipelined.behindSlow.fasterThanIt > 0) missing.push('a pipelined answer passed the slow one: that would break HTTP/1.1; tell the instructor')
  if (separate.behindSlow.fasterThanIt === 0) missing.push('no answer on separate connections passed the slow one: was the machine overloaded? run the lesson again')
  return missing.length === 0 ? pass(saw, look) : fail([...saw, ...missing], look)
}
