import { describe, expect, it } from 'vitest'
import { LoadtestErrors } from '../../../loadtest/errors.js'
import { renderHtmlReport } from '../../../loadtest/report-html.js'
import { buildReport, type ScalePoint } from '../../../loadtest/report-json.js'
import { renderComparisonText, renderRunText, renderTimelineText } from '../../../loadtest/report-text.js'
import { oneClerkCapacity, scaleVerdict, scalingOf } from '../../../loadtest/scale-verdict.js'
import { summarize } from '../../../loadtest/summarize.js'
import { chaosEvent, record } from './records.js'

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
    const text = renderRunText(summary)
    expect(text).toContain('1 dialogues were pinned to clerk-b and open when it was fired; 1 of them were lost')
    expect(text).toContain('not checked')
    expect(renderTimelineText(summary)).toBe('0s 1/0/0 · [--kill clerk-b@1s <script>] · 1s 0/1/0')
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

  it('holds the timeline chart with the chaos event marked, and the tables', () => {
    expect(html).toContain('<svg')
    expect(html).toContain('kill clerk-b@1s &lt;script&gt;')
    expect(html).toContain('stroke-dasharray')
    expect(html).toContain('<table class="headline">')
  })
})

describe('the scale-out verdict', () => {
  const point = (clerks: number, completedPerSec: number, cpu: Record<string, number>, machineBusyCores?: number): ScalePoint => ({
    clerks,
    run: clerks - 1,
    completedPerSec,
    answersPerSec: completedPerSec * 3,
    dialogueP50: 1,
    dialogueP99: 2,
    cpu,
    machineBusyCores,
    efficiency: completedPerSec / (clerks * 100),
    scaling: scalingOf({ clerks, completedPerSec }, { clerks: 1, completedPerSec: 90 }),
  })

  it('computes one clerk capacity from work time and concurrency, and scaling from the first point', () => {
    expect(oneClerkCapacity(20, 4)).toBe(66.7)
    expect(scalingOf({ clerks: 3, completedPerSec: 150 }, { clerks: 1, completedPerSec: 60 })).toBe(0.83)
  })

  it('names the proxy when it keeps a whole core busy where the curve bends', () => {
    const verdict = scaleVerdict([point(1, 90, { proxy: 0.3 }), point(2, 120, { proxy: 0.95, 'clerk-a': 0.2 })], 2)
    expect(verdict).toMatch(/up to 1 clerk; at 2 clerks it reaches 67% of linear.*the proxy is the limit/)
  })

  it('names the machine when all its cores are busy, even with other processes', () => {
    expect(scaleVerdict([point(1, 90, {}), point(2, 110, { proxy: 0.4, 'clerk-a': 0.3 }, 1.9)], 2)).toMatch(
      /machine's CPU is the limit: 1.9 of its 2 cores were busy/,
    )
  })

  it('says so when the curve follows all the way', () => {
    expect(scaleVerdict([point(1, 90, {}), point(2, 175, {})], 2)).toMatch(/all the way to 2 clerks \(97% of linear\)/)
  })
})

describe('the error registry', () => {
  it('names each error by its own code', () => {
    for (const [key, ErrorClass] of Object.entries(LoadtestErrors)) {
      expect(new ErrorClass('x').code).toBe(key)
    }
  })
})
