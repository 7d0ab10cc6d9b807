// Wires the page: reads the admin token, builds the views, polls the status APIs, listens to the
// proxy's event stream and turns clicks into API calls. Views draw; the store computes; this file
// only connects them.
import { adoptTokenFromLocation, saveToken } from './admin-token.js'
import { createApi } from './api.js'
import { registerClerks, colorOf } from './clerk-colors.js'
import { createClusterCards } from './cluster-cards.js'
import { createClusterStore, HISTORY_MS } from './cluster-store.js'
import { createDialogueColumn, OUTCOME_LINES } from './dialogue-column.js'
import { h } from './dom.js'
import { followEvents, STREAM_PILLS } from './event-feed.js'
import { createEventLog } from './event-log.js'
import { clerkSeries, createLineChart } from './line-chart.js'
import { createLoadtestPanel } from './loadtest-panel.js'
import { mountMcpView } from './mcp-view.js'
import { createRoutesTable } from './routes-table.js'
import { bindShortcuts, SHORTCUTS } from './shortcuts.js'
import { applyView, initialView, onWidthClass, saveView } from './view.js'
// served by the proxy from the compiled services/common/vocabulary.ts
import { MODES } from './vocabulary.js'

const POLL_MS = 2000 // status refresh; the event stream carries the fast changes
/** each mode's column: its title and what it shows */
const MODE_TEXT = {
  stateful: { title: 'Stateful', explain: 'The clerk keeps the dialogue in its own memory. Only sticky routing brings you back to it.' },
  stateless: { title: 'Stateless', explain: 'The client carries the whole dialogue as a signed token. Any clerk can answer.' },
  shared: { title: 'Shared', explain: 'The dialogue lives in Redis. Any clerk can answer, as long as Redis is up.' },
}

const $ = (id) => document.getElementById(id)
let token = adoptTokenFromLocation()
let tokenRejected = false
const api = createApi({ getToken: () => token })
const store = createClusterStore()
const log = createEventLog($('event-log'))
const loadtest = createLoadtestPanel($('loadtest-body'))

const columns = new Map()
for (const mode of MODES) {
  const column = createDialogueColumn({ mode, ...MODE_TEXT[mode], api, onPolicy: changePolicy })
  columns.set(mode, column)
  $('chat-grid').append(column.element)
}

mountMcpView($('mcp'))

const cards = createClusterCards({ container: $('card-grid'), onAction: chaos, onRedis: redisChaos, onAddClerk: addClerk })
const routes = createRoutesTable($('routes-panel'))
const WAITING = 'waiting for the proxy’s per-second stats…'
const charts = [
  createLineChart($('chart-rps'), { series: clerkSeries('rps'), windowMs: HISTORY_MS, minTop: 5, emptyText: WAITING }),
  createLineChart($('chart-eps'), { series: clerkSeries('eps'), windowMs: HISTORY_MS, minTop: 1, emptyText: WAITING }),
  // under each column, its mode's dialogues per second by outcome (the proxy counts context_lost)
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
  cards.update(state)
  for (const [mode, column] of columns) column.setPolicy(state.policies[mode])
  if (what === 'stats' || what === 'event' || what === 'policy' || what === 'status') for (const c of charts) c.schedule(state)
  if (what === 'stats') {
    // what each column's chart holds, as numbers on the element (a test or a screen reader reads them)
    for (const [mode, column] of columns) {
      const points = state.outcomes.get(mode) ?? []
      for (const o of OUTCOME_LINES) column.element.dataset[camel(o.key)] = String(Math.round(points.reduce((sum, p) => sum + p[o.key], 0)))
    }
  }
  if (what === 'loadtest') loadtest.render(state.loadtest)
  if (!$('routes-panel').hidden) routes.render(state.status?.routes, state.retriesByRoute)
  renderLegend(state)
  renderHeader(state)
})

// ---- admin token -------------------------------------------------------------------------

// the field never shows the token (it may be on a projector); its placeholder says whether one is set
$('token-form').addEventListener('submit', (e) => {
  e.preventDefault()
  const value = $('token-input').value.trim()
  if (!value) return
  setToken(value)
  log.add({ kind: 'you', text: 'admin token set for this tab' })
})
$('token-forget').addEventListener('click', () => {
  setToken('')
  log.add({ kind: 'you', text: 'admin token forgotten' })
})

function setToken(value) {
  token = value // kept in memory too, so the page works when sessionStorage is disabled
  tokenRejected = false
  saveToken(value)
  syncAdmin()
  refresh()
}

function syncTokenField() {
  const input = $('token-input')
  input.value = ''
  input.placeholder = token ? (tokenRejected ? 'rejected: paste the right one' : 'set (paste to replace)') : 'paste it here'
}

function syncAdmin() {
  syncTokenField()
  const enabled = Boolean(token) && !tokenRejected
  cards.setAdmin(enabled)
  for (const column of columns.values()) column.setAdmin(enabled)
  const note = $('admin-note')
  if (enabled) {
    note.hidden = true
    note.textContent = ''
  } else {
    note.hidden = false
    note.textContent = tokenRejected
      ? 'The admin token was rejected (401). Chaos and policy buttons are off until you paste the right one above.'
      : 'No admin token: you can talk to the clerks, but chaos and policy buttons are off. Open the link npm start printed (it ends in #token=…) or paste the token above.'
  }
  renderChaosNote()
}

function renderChaosNote() {
  const launcher = store.state.launcher
  $('chaos-note').textContent =
    launcher === false
      ? 'No launcher here (compose?): Kill and Slow go through the clerks’ own admin endpoints; Terminate, Pause, Resume, Revive and Redis need npm start (in compose: docker compose stop/start <clerk>).'
      : 'Kill = SIGKILL, Terminate = SIGTERM (graceful), Pause = SIGSTOP, Revive = start again. Drain keeps pinned customers, sends new ones elsewhere.'
}

// ---- actions -------------------------------------------------------------------------------

async function changePolicy(route, policy) {
  const result = await api.setPolicy(route, policy)
  if (!checkAdmin(result)) return
  if (result.ok) {
    const policies = result.body?.policies ?? result.body
    if (policies && typeof policies === 'object' && typeof policies[route] === 'string') store.setPolicies(policies)
    // the log line comes with the proxy's `policy` event: once, in every open page
  } else {
    log.add({ kind: 'bad', text: `setting /${route} to ${policy} failed: ${reason(result)}` })
  }
}

async function chaos(id, verb, arg) {
  const ms = Number.isFinite(arg) ? Math.max(0, Math.round(arg)) : 0
  const body = verb === 'slow' ? { ms } : {}
  let result
  if (verb === 'drain' || verb === 'undrain') result = await api.lb(id, verb)
  else if (store.state.launcher) result = await api.launcher(id, verb, body)
  else if (verb === 'kill') result = await api.lb(id, 'crash')
  else if (verb === 'slow') result = await api.lb(id, 'slow', body)
  else {
    log.add({ kind: 'bad', clerk: id, text: `${verb} needs npm start’s launcher; it is not there` })
    return
  }
  if (!checkAdmin(result)) return
  const what = verb === 'slow' ? `slow ${id} by ${ms} ms` : `${verb} ${id}`
  if (result.ok) {
    // the card shows it at once; the log line comes with the proxy's chaos/drain event
    store.noteLocal(`you: ${what}`, verb === 'revive' || verb === 'resume' || verb === 'undrain' ? 'good' : 'bad', id)
  } else {
    log.add({ kind: 'bad', clerk: id, text: `${what} failed: ${reason(result)}` })
  }
  refresh()
}

async function addClerk() {
  const result = await api.addClerk()
  if (!checkAdmin(result)) return
  // the log line comes with the proxy's event for the new clerk; only a refusal is the page's to say
  if (!result.ok) log.add({ kind: 'bad', text: `adding a clerk failed: ${reason(result)}` })
  refresh()
}

async function redisChaos(verb) {
  const result = await api.redis(verb)
  if (!checkAdmin(result)) return
  // the log line comes with the proxy's chaos event; only a refusal is the page's to say
  if (!result.ok) log.add({ kind: 'bad', text: `${verb} Redis failed: ${reason(result)}` })
  refresh()
}

/** false (and the banner says why) when the proxy refused the admin token */
function checkAdmin(result) {
  if (result.status !== 401) return true
  tokenRejected = true
  syncAdmin()
  log.add({ kind: 'bad', text: 'the admin token was rejected (401)' })
  return false
}

/** context_lost → contextLost (a dataset name) */
function camel(key) {
  return key.replace(/_(.)/g, (_, c) => c.toUpperCase())
}

function reason(result) {
  if (result.status === 0) return result.error
  return `${result.status} ${result.body?.message ?? result.body?.error ?? ''}`.trim()
}

// ---- data in: polling and the event stream ------------------------------------------------

let refreshing = false
let refreshAgain = false // a chaos click during a poll: poll once more right after, not 2 s later
async function refresh() {
  if (refreshing) {
    refreshAgain = true
    return
  }
  refreshing = true
  try {
    const status = await api.lbStatus()
    if (status.ok) store.applyStatus(status.body)
    setPill('engine-state', status.ok ? `proxy: ${status.body?.engine ?? 'up'}` : 'proxy: unreachable', status.ok ? 'pill-ok' : 'pill-bad')
    if (store.state.launcher !== false) {
      const cluster = await api.clusterStatus()
      if (cluster.ok) store.applyClusterStatus(cluster.body)
      else if (cluster.status === 404 && store.state.launcher === null) store.setLauncher(false)
    }
  } finally {
    refreshing = false
  }
  if (refreshAgain) {
    refreshAgain = false
    refresh()
  }
}

// ---- small header pieces ------------------------------------------------------------------

function setPill(id, text, cls) {
  const el = $(id)
  if (el.textContent !== text) el.textContent = text
  el.className = `pill ${cls}`
}

function renderHeader(state) {
  const launcher = state.launcher
  setPill('launcher-state', launcher === null ? 'launcher: …' : launcher ? 'launcher: npm start' : 'launcher: none', launcher ? 'pill-ok' : 'pill-muted')
  renderChaosNote()
}

let legendKey = ''
function renderLegend(state) {
  const ids = [...state.clerks.keys()]
  const key = ids.join(',')
  if (key === legendKey) return
  legendKey = key
  $('chart-legend').replaceChildren(
    ...ids.map((id) => h('span', { class: 'legend-item' }, h('span', { class: 'legend-line', style: { background: colorOf(id) } }), id)),
    h('span', { class: 'legend-item' }, h('span', { class: 'legend-mark mark-chaos' }), 'chaos'),
    h('span', { class: 'legend-item' }, h('span', { class: 'legend-mark mark-recovery' }), 'recovery'),
    h('span', { class: 'legend-item' }, h('span', { class: 'legend-mark mark-policy' }), 'policy'),
    h('span', { class: 'legend-item' }, h('span', { class: 'legend-mark mark-health' }), 'clerk down'),
    h('span', { class: 'legend-item' }, h('span', { class: 'legend-mark mark-loadtest' }), 'load test'),
  )
}

// ---- presenter view and keyboard shortcuts ---------------------------------------------------

let view = initialView()
applyView(view)
onWidthClass(() => {
  applyView(view)
  for (const c of charts) c.schedule(store.state)
})
$('view-toggle').addEventListener('click', () => switchView())
$('keys-toggle').addEventListener('click', () => toggleKeys())
$('routes-toggle').addEventListener('click', () => {
  const panel = $('routes-panel')
  panel.hidden = !panel.hidden
  $('routes-toggle').setAttribute('aria-expanded', String(!panel.hidden))
  if (!panel.hidden) routes.render(store.state.status?.routes, store.state.retriesByRoute)
})
$('keys-help').replaceChildren(...SHORTCUTS.map(([key, does]) => h('li', {}, h('kbd', {}, key), ` ${does}`)))

function switchView() {
  view = view === 'presenter' ? 'detailed' : 'presenter'
  saveView(view)
  applyView(view)
  for (const c of charts) c.schedule(store.state)
}

function toggleKeys() {
  const help = $('keys-help')
  help.hidden = !help.hidden
  $('keys-toggle').setAttribute('aria-expanded', String(!help.hidden))
}

bindShortcuts(({ action, index }) => {
  if (action === 'view') return switchView()
  if (action === 'help') return toggleKeys()
  if (['ask', 'buy', 'card', 'fresh'].includes(action)) {
    for (const column of columns.values()) column.say(action)
    return
  }
  if (!token || tokenRejected) {
    log.add({ kind: 'bad', text: 'that shortcut needs the admin token' })
    return
  }
  if (action === 'toggle-stateful') return void changePolicy('stateful', store.state.policies.stateful === 'sticky' ? 'round-robin' : 'sticky')
  if (action === 'redis') return void redisChaos(store.state.redis.state === 'stopped' ? 'start' : 'stop')
  if (action === 'clerk') {
    const c = [...store.state.clerks.values()][index]
    if (!c) return
    const dead = c.process?.state === 'dead' || c.process?.state === 'stopped'
    return void chaos(c.id, dead ? 'revive' : 'kill')
  }
})

syncAdmin()
refresh()
setInterval(refresh, POLL_MS)
followEvents({ store, log, onState: (state) => setPill('stream-state', ...STREAM_PILLS[state]) })
