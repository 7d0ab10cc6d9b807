/**
 * What a self-check found: PASS or FAIL, the facts it saw (each a short line, with numbers), and
 * where the learner looks to see the same thing themselves (a dashboard panel, a command).
 */
export interface Verdict {
  readonly pass: boolean
  readonly saw: readonly string[]
  readonly look: string
}

export const pass = (saw: readonly string[], look: string): Verdict => ({ pass: true, saw, look })
export const fail = (saw: readonly string[], look: string): Verdict => ({ pass: false, saw, look })

/** the lines `npm run workshop -- check N` prints */
export function renderVerdict(id: number, title: string, verdict: Verdict): string {
  return [`${verdict.pass ? 'PASS' : 'FAIL'}  exercise ${id}: ${title}`, ...verdict.saw.map((line) => `  saw:  ${line}`), `  look: ${verdict.look}`].join('\n')
}
