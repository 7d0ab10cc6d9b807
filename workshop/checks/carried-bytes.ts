import type { CarriedStateRow } from '../../loadtest/lessons/carried-state.js'
import { MODES, type Mode } from '../../services/common/vocabulary.js'
import { fail, pass, type Verdict } from '../verdict.js'
import { percent, type CheckContext } from './context.js'
import { readJsonFile, reportPath, shown } from './load-report.js'

export const CARRIED_STATE_REPORT = '9-carried-state.json'

/** the rows of `npm run lesson:carried-state -- --out FILE`, or undefined when the JSON is something else */
function carriedStateRows(json: unknown): CarriedStateRow[] | undefined {
  if (!Array.isArray(json)) return undefined
  const rows = json as Partial<CarriedStateRow>[]
  const isRow = (r: Partial<CarriedStateRow>) => typeof r?.mode === 'string' && typeof r.cookies === 'boolean' && typeof r.sentPerDialogue === 'number'
  return rows.length > 0 && rows.every(isRow) ? (rows as CarriedStateRow[]) : undefined
}

const bytes = (r: CarriedStateRow) => `${r.sentPerDialogue} B sent + ${r.receivedPerDialogue} B received`

/** Exercise 9: the learner's own measurement of the bytes each mode carries per dialogue (lesson:carried-state's rows). */
export async function checkCarriedBytes(ctx: CheckContext): Promise<Verdict> {
  const path = reportPath(ctx, CARRIED_STATE_REPORT)
  const look = `the lesson's table (npm run lesson:carried-state); the report: ${path}`
  const read = readJsonFile(path, 'carried-state report')
  if ('missing' in read) return fail([read.missing], look)
  const rows = carriedStateRows(read.json)
  if (!rows) return fail([`${shown(path)} is not the rows of npm run lesson:carried-state (run it with --out ${shown(path)})`], look)
  const on = new Map<Mode, CarriedStateRow>()
  for (const row of rows) if (row.cookies && !on.has(row.mode)) on.set(row.mode, row)
  const absent = MODES.filter((mode) => !on.has(mode))
  if (absent.length > 0) return fail([`the report has no row with cookies on for: ${absent.join(', ')}`], look)
  const row = (mode: Mode) => on.get(mode) as CarriedStateRow
  const saw = MODES.map((mode) => `${mode}: ${bytes(row(mode))} per dialogue (${row(mode).completed}/${row(mode).dialogues} completed)`)
  const incomplete = MODES.filter((mode) => row(mode).completed === 0)
  if (incomplete.length > 0) {
    const why = incomplete.map((mode) => `${mode} (${row(mode).failure ?? 'no answer'})`).join(', ')
    return fail([...saw, `no dialogue completed with cookies on in: ${why}: run npm run reset, then the lesson again`], look)
  }
  const more = row('stateless').sentPerDialogue / row('stateful').sentPerDialogue - 1
  saw.push(`stateless sends ${percent(more)} ${more >= 0 ? 'more' : 'less'} than stateful per dialogue: the token instead of a session id`)
  const predicted = ctx.args.predicted
  if (predicted !== undefined) saw.push(`you predicted ${predicted}%, measured ${percent(more)}`)
  const off = MODES.flatMap((mode) => rows.filter((r) => r.mode === mode && !r.cookies).map((r) => `${mode} ${r.completed}/${r.dialogues}`))
  if (off.length > 0) saw.push(`cookies off, completed: ${off.join(', ')}`)
  return pass(saw, look)
}
