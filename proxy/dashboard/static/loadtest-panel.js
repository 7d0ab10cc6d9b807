// The load test's running counts by outcome, from `loadtest` events (the load test posts them to
// POST /_lb/loadtest and the proxy re-broadcasts them): while it runs a progress bar, when it ends
// a verdict card (its headline, coloured by tone, and a link to its HTML report when the proxy
// serves it). The panel always keeps its size.
import { h } from './dom.js'
import { clock, count, rate } from './format.js'

const OUTCOMES = [
  { key: 'completed', label: 'completed', cls: 'good' },
  { key: 'context_lost', label: 'context lost', cls: 'lost' },
  { key: 'failed', label: 'failed', cls: 'bad' },
]
const TONES = new Set(['good', 'warn', 'bad'])
// the only addresses a report link may have: the proxy's report folder, a plain file name
const REPORT_ADDRESS = /^\/dashboard\/reports\/[A-Za-z0-9][A-Za-z0-9._-]*\.html$/

/** the share of the run's time bound behind it, 0..1, or undefined when it has none */
export function runProgress(run) {
  if (!run?.running || !(run.durationMs > 0) || !(run.elapsedMs >= 0)) return undefined
  return Math.min(1, run.elapsedMs / run.durationMs)
}

/** a report address to link, or undefined when the event names none the proxy would serve */
export function reportLink(run) {
  return typeof run?.report === 'string' && REPORT_ADDRESS.test(run.report) && !run.report.includes('..') ? run.report : undefined
}

function progressBar(fraction) {
  const percent = Math.round(fraction * 100)
  return h(
    'div',
    { class: 'run-progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(percent) },
    h('span', { class: 'run-progress-fill', style: { width: `${percent}%` } }),
    h('span', { class: 'run-progress-text' }, `${percent} %`),
  )
}

function verdictCard(run) {
  const verdict = run.verdict
  if (!verdict || typeof verdict.headline !== 'string') return null
  const tone = TONES.has(verdict.tone) ? verdict.tone : 'warn'
  const link = reportLink(run)
  return h(
    'div',
    { class: `verdict verdict-${tone}`, id: 'loadtest-verdict', role: 'status' },
    h('strong', { class: 'verdict-headline' }, verdict.headline),
    h('span', { class: 'verdict-counts' }, OUTCOMES.map((o) => `${count(run.counts?.[o.key] ?? 0)} ${o.label}`).join(' · ')),
    link ? h('a', { class: 'verdict-report', href: link, target: '_blank', rel: 'noopener' }, 'HTML report') : null,
  )
}

/** @param {HTMLElement} container */
export function createLoadtestPanel(container) {
  function render(run) {
    if (!run) {
      container.replaceChildren(
        h(
          'p',
          { class: 'loadtest-idle' },
          'No load test yet. Start one against this cluster with ',
          h('code', {}, `npm run loadtest -- --target ${location.origin}`),
          ': its dialogues, counted by outcome, show up here while it runs.',
        ),
      )
      return
    }
    const counts = run.counts ?? {}
    const total = OUTCOMES.reduce((sum, o) => sum + (counts[o.key] ?? 0), 0)
    const fraction = runProgress(run)
    container.dataset.state = run.running ? 'running' : 'finished'
    const parts = [
      h(
        'p',
        { class: 'loadtest-head' },
        h('span', { class: `pill ${run.running ? 'pill-live' : 'pill-muted'}` }, run.running ? 'running' : 'finished'),
        ` ${run.label ?? `${run.mode ?? '?'} · ${run.policy ?? '?'}`} · ${rate(run.dialoguesPerSec)} dialogues/s · ${clock(run.at ?? run.receivedAt)}`,
      ),
      fraction === undefined ? null : progressBar(fraction),
      run.running ? null : verdictCard(run),
      h(
        'dl',
        { class: 'outcomes' },
        OUTCOMES.map((o) => {
          const n = counts[o.key] ?? 0
          const share = total > 0 ? (n / total) * 100 : 0
          return h(
            'div',
            { class: `outcome outcome-${o.cls}` },
            h('dt', {}, o.label),
            h('dd', {}, h('span', { class: 'bar', style: { width: `${share.toFixed(1)}%` } }), h('span', { class: 'n' }, count(n))),
          )
        }),
      ),
    ]
    container.replaceChildren(...parts.filter(Boolean))
  }
  render(null)
  return { render }
}
