// The load test's running counts by outcome, from `loadtest` events (the load test posts them to
// POST /_lb/loadtest and the proxy re-broadcasts them). The panel always keeps its size.
import { h } from './dom.js'
import { clock, count, rate } from './format.js'

const OUTCOMES = [
  { key: 'completed', label: 'completed', cls: 'good' },
  { key: 'context_lost', label: 'context lost', cls: 'lost' },
  { key: 'failed', label: 'failed', cls: 'bad' },
]

/** @param {HTMLElement} container */
export function createLoadtestPanel(container) {
  function render(run) {
    if (!run) {
      container.replaceChildren(
        h(
          'p',
          { class: 'loadtest-idle' },
          'No load test yet. Start one in a terminal with ',
          h('code', {}, 'npm run loadtest'),
          ': its dialogues, counted by outcome, show up here while it runs.',
        ),
      )
      return
    }
    const counts = run.counts ?? {}
    const total = OUTCOMES.reduce((sum, o) => sum + (counts[o.key] ?? 0), 0)
    container.replaceChildren(
      h(
        'p',
        { class: 'loadtest-head' },
        h('span', { class: `pill ${run.running ? 'pill-live' : 'pill-muted'}` }, run.running ? 'running' : 'finished'),
        ` ${run.mode ?? '?'} · ${run.policy ?? '?'} · ${rate(run.dialoguesPerSec)} dialogues/s · ${clock(run.at ?? run.receivedAt)}`,
      ),
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
    )
  }
  render(null)
  return { render }
}
