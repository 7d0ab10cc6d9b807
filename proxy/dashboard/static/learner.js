// The learner page (docs/workshop/room.md): each browser plays its own three customers and watches
// the cluster, and offers no chaos or policy control at all. It reuses the dashboard's modules;
// what differs is only what it leaves out: no admin token is read or sent (a #token=… link does
// nothing here), the columns have no policy buttons, and the clerks are a read-only strip.
//
// Each column is its own customer because every cookie that ties a browser to a clerk or a
// dialogue is scoped to its mode's path: stateful_sid at /stateful, shared_sid at /shared (the
// clerk's), lb_clerk at /stateful, /shared, … (the proxy's sticky pin, one per route). A new
// customer in one column expires that column's cookies only. Learners on other browsers (or
// other browser profiles) have other cookie jars, so nobody unpins anybody.
import { createApi } from './api.js'
import { registerClerks } from './clerk-colors.js'
import { createClusterStore, HISTORY_MS } from './cluster-store.js'
import { createDialogueColumn, OUTCOME_LINES } from './dialogue-column.js'
import { followEvents, STREAM_PILLS } from './event-feed.js'
import { createEventLog } from './event-log.js'
import { clerkSeries, createLineChart } from './line-chart.js'
import { renderStrip } from './learner-strip.js'
// served by the proxy from the compiled services/common/vocabulary.ts
import { MODES } from './vocabulary.js'

const POLL_MS = 2000 // 2 s: /_lb/status; the event stream carries the fast changes
const MODE_TEXT = {
  stateful: { title: 'Stateful', explain: 'Your dialogue lives in one clerk’s memory. Only the sticky pin brings you back to it.' },
  stateless: { title: 'Stateless', explain: 'You carry the dialogue as a signed token. Any clerk can answer.' },
  shared: { title: 'Shared', explain: 'Your dialogue lives in Redis. Any clerk can answer, while Redis is up.' },
}

const $ = (id) => document.getElementById(id)
// never a token: every call this page makes is one a customer may make
const api = createApi({ getToken: () => '' })
const store = createClusterStore()
const log = createEventLog($('event-log'))

const columns = new Map()
for (const mode of MODES) {
  const column = createDialogueColumn({ mode, ...MODE_TEXT[mode], api, onPolicy: () => {} })
  // routing is the instructor's: the column's policy buttons are not offered at all
  column.element.querySelector('.policy')?.remove()
  columns.set(mode, column)
  $('chat-grid').append(column.element)
}

const WAITING = 'waiting for the proxy’s per-second stats…'
const charts = [
  createLineChart($('chart-rps'), { series: clerkSeries('rps'), windowMs: HISTORY_MS, minTop: 5, emptyText: WAITING }),
  // under each column, the whole room's dialogues per second in that mode, by outcome
  ...[...columns].map(([mode, column]) =>
    createLineChart(column.chartCanvas, {
      series: (state) => OUTCOME_LINES.map((o) => ({ color: o.color, dash: o.dash, points: state.outcomes.get(mode) ?? [], value: (p) => p[o.key] })),
      windowMs: HISTORY_MS,
      minTop: 1,
      emptyText: WAITING,
      compact: true,
    }),
  ),
]

store.onChange((what, state) => {
  registerClerks([...state.clerks.keys()])
  renderStrip($('learner-strip'), state)
  renderPolicies(state.policies)
  if (what === 'stats' || what === 'event' || what === 'status') for (const chart of charts) chart.schedule(state)
})

function renderPolicies(policies) {
  const pill = $('policy-state')
  const text = `routing: ${MODES.map((m) => `${m} ${policies[m] ?? '…'}`).join(' · ')}`
  if (pill.textContent !== text) pill.textContent = text
  pill.dataset.policies = JSON.stringify(policies)
}

async function refresh() {
  const status = await fetchStatus()
  if (status?.ok) store.applyStatus(status.body)
}

function fetchStatus() {
  // the public status (no token): clerks, health, policies
  return fetch('/_lb/status', { cache: 'no-store', credentials: 'omit', signal: AbortSignal.timeout(POLL_MS * 5) })
    .then(async (res) => ({ ok: res.ok, body: res.ok ? await res.json() : null }))
    .catch(() => ({ ok: false, body: null }))
}

function setPill(text, cls) {
  const el = $('stream-state')
  el.textContent = text
  el.className = `pill ${cls}`
}

refresh()
setInterval(refresh, POLL_MS)
followEvents({ store, log, onState: (state) => setPill(...STREAM_PILLS[state]) })
