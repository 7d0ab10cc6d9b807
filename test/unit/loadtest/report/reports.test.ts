import { describe, expect, it } from 'vitest'
import { summarize } from '../../../../loadtest/analyze/summarize.js'
import { renderHtmlReport } from '../../../../loadtest/report/html.js'
import { buildReport } from '../../../../loadtest/report/json.js'
import { renderComparisonText, renderCostLine, renderRunText, renderTimelineText } from '../../../../loadtest/report/text.js'
import { chaosEvent, record } from '../records.js'

const summary = summarize(
  {
    target: 'http://127.0.0.1:1',
    mode: 'stateful',
    customers: 2,
    keepAlive: true,
    pipelining: 1,
    startedAt: 0,
    endedAt: 2000,
    stoppedBy: 'duration',
    records: [
      record({ id: 1, endedAt: 500 }),
      record({ id: 2, startedAt: 600, endedAt: 1500, outcome: 'context_lost', step: 'buy', clerks: { ask: 'clerk-b' }, orderId: undefined }),
    ],
    chaos: [chaosEvent({ firedAt: 1000, doneAt: 1050, text: '--kill clerk-b@1s <script>' })],
  },
  { policy: 'sticky' },
)

describe('the text report', () => {
  it('shows the headline comparison with one row per design', () => {
    const text = renderComparisonText([summary, { ...summary, label: 'shared (Redis)' }])
    expect(text).toContain('stateful + sticky')
    expect(text).toContain('shared (Redis)')
    expect(text).toContain('context_lost')
    expect(text).toContain('chaos in every row: --kill clerk-b@1s')
  })

  it('shows one run with its timeline and the chaos where it happened', () => {
    // prose wraps at 80 columns: read it as one line
    const text = renderRunText(summary).replace(/\n {2}/g, ' ')
    expect(text).toContain('1 dialogues were pinned to clerk-b and open when it was fired; 1 of them were lost')
    expect(text).toContain('not checked')
    expect(renderTimelineText(summary)).toBe('0s 1/0/0 · [--kill clerk-b@1s <script>] · 1s 0/1/0')
  })
})

describe('the text report in an 80-column terminal', () => {
  const wide = { ...summary, label: 'stateful + sticky (keyless, Connection: close)' }
  const texts = [renderRunText(summary), renderComparisonText([summary, wide]), renderRunText(wide)]

  it('never draws a line wider than 80 columns', () => {
    for (const line of texts.join('\n').split('\n')) expect(line.length, line).toBeLessThanOrEqual(80)
  })

  it('cuts a wide table into parts that each repeat the row’s name, and wraps headings at word breaks', () => {
    const comparison = texts[1] as string
    // 12 columns: more than one part, each starting with the design's name
    expect(comparison.match(/│ mode \+ policy/g)?.length).toBeGreaterThan(1)
    expect(comparison.match(/│ stateful \+ sticky \(keyless, Connection: close\) │/g)?.length).toBeGreaterThan(1)
    expect(comparison).toMatch(/context_ .*\n.*lost/)
  })
})

describe('the HTML report', () => {
  const html = renderHtmlReport(buildReport('matrix', [summary]))

  it('is one self-contained file: no script, no external stylesheet, image or font', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html).not.toMatch(/<script/i)
    expect(html).not.toMatch(/(src|href)=["']?https?:/i)
    expect(html).not.toMatch(/<link /i)
  })

  it('puts every run’s verdict on top, coloured, and dates in words a person reads', () => {
    expect(html).toMatch(/<ul class="verdicts"><li class="verdict verdict-bad"><a href="#run-0">stateful \+ sticky: 50 % of dialogues lost \(context_lost\)<\/a><\/li><\/ul>/)
    expect(html).toContain('started 1970-01-01 00:00:00 UTC')
    expect(html).not.toMatch(/Generated \d{4}-\d\d-\d\dT/)
  })

  it('draws outcomes and p50/p99 latency per second, and colours the loss cells', () => {
    expect(html).toMatch(/<rect class="bar-context_lost"/)
    expect(html).toMatch(/<circle [^>]*fill="#1565c0"|class="line-p50Ms"/)
    expect(html).toContain('<td class="bad">50.0%</td>')
  })

  it('shows the runs of a matrix side by side on one scale', () => {
    const busier = { ...summary, label: 'shared', timeline: summary.timeline.map((t) => ({ ...t, completed: t.completed * 40 })) }
    const matrix = renderHtmlReport(buildReport('matrix', [summary, busier]))
    expect(matrix).toContain('The runs side by side (same scale)')
    const cards = matrix.slice(matrix.indexOf('class="side-by-side"'), matrix.indexOf('<section id="run-0">'))
    // both cards’ outcome charts go up to the busier run’s 40/s (50 on a round axis)
    expect(cards.match(/>50 \/s</g)).toHaveLength(2)
  })

  it('holds the timeline chart with the chaos event marked, and the tables', () => {
    expect(html).toContain('<svg')
    expect(html).toContain('kill clerk-b@1s &lt;script&gt;')
    expect(html).toContain('stroke-dasharray')
    expect(html).toContain('<table class="headline">')
  })
})

describe('the cost line of a run', () => {
  it('says bytes and CPU per completed dialogue, and nothing when neither was measured', () => {
    expect(renderCostLine({ wire: { dialogues: 3, sentPerDialogue: 1502, receivedPerDialogue: 1511 }, cpuMsPerDialogue: { clerks: 1.2, proxy: 0.9 } })).toBe(
      'per completed dialogue: 1502 B sent + 1511 B received on the wire; CPU clerks 1.2 ms, proxy 0.9 ms',
    )
    expect(renderCostLine({ wire: undefined, cpuMsPerDialogue: undefined })).toBeUndefined()
  })
})

describe('a run that changed who serves (issue 16)', () => {
  const joined = summarize(
    {
      target: 'http://127.0.0.1:1',
      mode: 'stateful',
      customers: 2,
      keepAlive: true,
      pipelining: 1,
      startedAt: 0,
      endedAt: 4000,
      stoppedBy: 'duration',
      records: [
        record({ id: 1, endedAt: 500 }),
        // clerk-d joined at 2 s: its first customer asked it at 2.5 s, and nobody began elsewhere
        record({ id: 2, startedAt: 2500, endedAt: 3000, clerks: { ask: 'clerk-d', buy: 'clerk-d', pay: 'clerk-d' } }),
      ],
      chaos: [chaosEvent({ flag: 'add-clerk', verb: 'add', target: 'clerks', text: '--add-clerk@2s', firedAt: 2000, doneAt: 2100 })],
    },
    { policy: 'sticky' },
  )

  it('shows when each clerk got its first customer and how many of its dialogues began elsewhere, in text and HTML', () => {
    const text = renderRunText(joined)
    expect(text).toContain('begun on') // headings wrap at word breaks to keep 80 columns
    expect(text).toMatch(/clerk-d\s*│\s*2 s\s*│\s*1\s*│\s*0\s*│/)
    expect(renderHtmlReport(buildReport('loadtest', [joined]), 'r')).toContain('begun on another clerk')
  })

  it('leaves that table out of a run where the clerks stayed the same', () => {
    expect(renderRunText(summary)).not.toContain('begun on')
  })
})

describe('what a dialogue cost, in the HTML report too (issue 15)', () => {
  it('says the bytes on the wire and the CPU per part beside the run', () => {
    const measured = { ...summary, wire: { dialogues: 1, sentPerDialogue: 640, receivedPerDialogue: 2373 }, cpuMsPerDialogue: { clerks: 1.5, proxy: 0.8 } }
    const html = renderHtmlReport(buildReport('loadtest', [measured]), 'r')
    expect(html).toContain('per completed dialogue: 640 B sent + 2373 B received on the wire; CPU clerks 1.5 ms, proxy 0.8 ms')
    expect(renderHtmlReport(buildReport('loadtest', [summary]), 'r')).not.toContain('per completed dialogue')
  })
})

describe('a comparison whose rows had different chaos', () => {
  it('says which rows had which chaos, not the first row’s for all', () => {
    const calm = { ...summary, label: 'stateful + per-connection, connections closed', chaos: [] }
    const text = renderComparisonText([summary, calm])
    expect(text).not.toContain('chaos in every row')
    expect(text).toContain('chaos --kill clerk-b@1s <script>: stateful + sticky')
    expect(text).toContain('chaos none: stateful + per-connection, connections closed')
  })
})
