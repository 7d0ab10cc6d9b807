// The cluster as cards: one per clerk and one for Redis. Cards are built once per id and then only
// updated in place, so a button keeps keyboard focus while the numbers change under it.
import { h } from './dom.js'
import { colorOf } from './clerk-colors.js'
import { clock, count, rate } from './format.js'
// served by the proxy from the compiled services/common/vocabulary.ts: the one list of chaos verbs
import { CHAOS_VERBS, CLERK_VERBS, MAX_SLOW_MS } from './vocabulary.js'

/** what a verb's button says when you hover it: the signal, then what happens */
const helpOf = (verb) => {
  const { signal, does } = CHAOS_VERBS[verb]
  return signal ? `${signal}: ${does}` : does
}

/**
 * verbs and where they can run: `launcher` = npm start's /_cluster API; `any` = also through the
 * proxy alone; `lb` = the proxy's own. Slow has its own input next to the buttons.
 */
export const CLERK_ACTIONS = [
  ...CLERK_VERBS.filter((verb) => verb !== 'slow').map((verb) => ({
    verb,
    label: verb[0].toUpperCase() + verb.slice(1),
    help: helpOf(verb),
    needs: CHAOS_VERBS[verb].withoutLauncher ? 'any' : 'launcher',
  })),
  { verb: 'drain', label: 'Drain', help: 'no new customers; pinned customers finish', needs: 'lb' },
]

/** whether a verb can be offered now; `why` is the tooltip when it cannot */
export function verbAvailability({ verb, needs, admin, launcher, processState }) {
  if (!admin) return { allowed: false, why: 'needs the admin token' }
  if (needs === 'launcher' && !launcher) return { allowed: false, why: "needs npm start's launcher" }
  if (needs === 'lb' || !launcher || !processState) return { allowed: true, why: '' }
  // the launcher refuses a verb in the other process states
  const allowed = CHAOS_VERBS[verb]?.when.includes(processState) ?? false
  return { allowed, why: allowed ? '' : `not while it is ${processState}` }
}

/**
 * What a clerk's card says about it, from the proxy's view (healthy) and the launcher's (process).
 * Pure, so the rule is in one place: a dead or paused process wins over a stale health flag.
 */
export function clerkCondition(c) {
  const p = c.process?.state
  if (p === 'dead') return { key: 'dead', text: 'dead' }
  if (p === 'stopped') return { key: 'dead', text: 'stopped' }
  if (p === 'paused') return { key: 'paused', text: 'paused' }
  if (c.healthy === false) return { key: 'down', text: p === 'running' ? 'unhealthy' : 'down' }
  if (c.healthy === true) return c.drained ? { key: 'draining', text: 'draining' } : { key: 'healthy', text: 'healthy' }
  return { key: 'unknown', text: 'checking…' }
}

/**
 * @param {{ container: HTMLElement, onAction: (id: string, verb: string, arg?: number) => void,
 *           onRedis: (verb: 'stop'|'start') => void }} options
 */
export function createClusterCards({ container, onAction, onRedis, onAddClerk }) {
  const cards = new Map()
  let admin = false
  let launcher = false
  const redis = createRedisCard(onRedis, onAddClerk)

  function card(id) {
    let view = cards.get(id)
    if (view) return view
    const color = colorOf(id)
    const stat = (label, help) => {
      const dd = h('dd', {}, '–')
      return { wrap: h('div', { class: 'stat', title: help }, h('dt', {}, label), dd), dd }
    }
    const stats = {
      rps: stat('requests/s', 'requests the proxy sent it in the last second'),
      eps: stat('failures/s', 'failed requests in the last second'),
      inFlight: stat('in flight', 'requests it is answering right now'),
      sessions: stat('sessions', 'stateful sessions held in this clerk’s memory'),
      pinned: stat('pinned', 'customers the proxy has pinned to this clerk (sticky cookies issued for it)'),
      slow: stat('delay', 'simulated delay on every answer (Slow)'),
      streams: stat('streams', 'event streams open through the proxy to this clerk (MCP sessions)'),
    }
    stats.streams.wrap.hidden = true // until the proxy reports the count
    const state = h('span', { class: 'state', dataset: { state: id } }, 'checking…')
    const lastEvent = h('p', { class: 'last-event' }, '\u00a0')
    const buttons = new Map()
    for (const a of CLERK_ACTIONS) {
      buttons.set(
        a.verb,
        h('button', { type: 'button', class: `act act-${a.verb}`, title: a.help, onclick: () => onAction(id, a.verb === 'drain' && view.drained ? 'undrain' : a.verb) }, a.label),
      )
    }
    const slowInput = h('input', { type: 'number', min: 0, max: MAX_SLOW_MS, step: 100, value: 500, id: `slow-${id}`, 'aria-label': `delay in ms for ${id}`, inputmode: 'numeric' })
    const slowButton = h('button', { type: 'button', class: 'act act-slow', title: helpOf('slow'), onclick: () => onAction(id, 'slow', Number(slowInput.value)) }, 'Slow')
    const element = h(
      'article',
      { class: 'card clerk-card', style: { '--clerk': color }, dataset: { clerk: id }, 'aria-labelledby': `card-${id}` },
      h('header', { class: 'card-head' }, h('h3', { id: `card-${id}` }, h('span', { class: 'swatch', style: { background: color } }), id), state),
      h(
        'dl',
        { class: 'stats' },
        Object.values(stats).map((s) => s.wrap),
      ),
      lastEvent,
      h(
        'div',
        { class: 'actions', role: 'group', 'aria-label': `chaos for ${id}` },
        [...buttons.values()],
        h('span', { class: 'slow-group' }, slowInput, h('span', { class: 'unit' }, 'ms'), slowButton),
      ),
    )
    view = { element, state, stats, lastEvent, buttons, slowButton, drained: false, processState: undefined }
    cards.set(id, view)
    container.insertBefore(element, redis.element)
    return view
  }

  function update(storeState) {
    launcher = storeState.launcher === true
    if (!redis.element.isConnected) container.append(redis.element)
    for (const c of storeState.clerks.values()) {
      const view = card(c.id)
      const condition = clerkCondition(c)
      view.element.dataset.condition = condition.key
      view.state.textContent = condition.text
      view.state.dataset.condition = condition.key
      // a dead clerk's last numbers are history, not news: its memory (sessions) went with it
      const gone = condition.key === 'dead'
      view.stats.rps.dd.textContent = gone ? '–' : rate(c.rps)
      view.stats.eps.dd.textContent = gone ? '–' : rate(c.eps)
      view.stats.inFlight.dd.textContent = gone ? '–' : count(c.inFlight)
      view.stats.sessions.dd.textContent = gone ? '–' : count(c.sessions)
      view.stats.pinned.dd.textContent = count(c.pinned)
      view.stats.streams.wrap.hidden = typeof c.openStreams !== 'number'
      view.stats.streams.dd.textContent = gone ? '–' : count(c.openStreams)
      const slow = c.process?.slowMs ?? c.slowMs
      view.stats.slow.dd.textContent = typeof slow === 'number' ? `${slow} ms` : '–'
      view.drained = c.drained
      view.processState = c.process?.state
      view.buttons.get('drain').textContent = c.drained ? 'Undrain' : 'Drain'
      view.buttons.get('drain').setAttribute('aria-pressed', String(c.drained))
      if (c.lastEvent && c.lastEvent !== view.shownEvent) {
        view.shownEvent = c.lastEvent
        view.lastEvent.textContent = `${clock(c.lastEvent.at)} ${c.lastEvent.text}`
        view.lastEvent.dataset.kind = c.lastEvent.kind
        flash(view.element)
      }
    }
    redis.update(storeState.redis, storeState.redisEvent, launcher && admin, storeState.clerks.size)
    syncButtons()
  }

  function syncButtons() {
    for (const view of cards.values()) {
      const actions = [...CLERK_ACTIONS.map((a) => [a, view.buttons.get(a.verb)]), [{ verb: 'slow', needs: 'any', help: helpOf('slow') }, view.slowButton]]
      for (const [a, button] of actions) {
        const { allowed, why } = verbAvailability({ verb: a.verb, needs: a.needs, admin, launcher, processState: view.processState })
        if (button.disabled !== !allowed) button.disabled = !allowed
        button.title = why ? `${a.help} (${why})` : a.help
      }
    }
  }

  return {
    update,
    setAdmin(enabled) {
      admin = enabled
      syncButtons()
    },
  }
}

/** a short highlight, so the audience sees which card an event just touched */
function flash(element) {
  element.classList.remove('flash')
  void element.offsetWidth // restart the animation if it is still running
  element.classList.add('flash')
}

const MAX_CLERKS = 26 // clerk-a … clerk-z: the launcher adds no more

/** Redis's card; it also holds the one action on the cluster as a whole, "Add clerk" */
function createRedisCard(onRedis, onAddClerk) {
  const state = h('span', { class: 'state', dataset: { state: 'redis' } }, 'checking…')
  const note = h('p', { class: 'last-event' }, '\u00a0')
  const stop = h('button', { type: 'button', class: 'act act-kill', onclick: () => onRedis('stop') }, 'Stop Redis')
  const start = h('button', { type: 'button', class: 'act', onclick: () => onRedis('start') }, 'Start Redis')
  const add = h('button', { type: 'button', class: 'act act-add', onclick: () => onAddClerk?.() }, 'Add clerk')
  const element = h(
    'article',
    { class: 'card redis-card', dataset: { redis: '' }, 'aria-labelledby': 'card-redis' },
    h('header', { class: 'card-head' }, h('h3', { id: 'card-redis' }, h('span', { class: 'swatch redis-swatch' }), 'Redis'), state),
    h('p', { class: 'redis-help' }, 'Shared sessions (/shared) and the order ledger of every mode live here.'),
    note,
    h('div', { class: 'actions', role: 'group', 'aria-label': 'chaos for Redis' }, stop, start),
    h('div', { class: 'actions cluster-actions', role: 'group', 'aria-label': 'the cluster' }, add),
  )
  let shown = null
  const TEXT = { running: 'running', up: 'up', stopped: 'stopped', down: 'down', absent: 'absent', unknown: 'checking…' }
  return {
    element,
    update(redis, lastEvent, canAct, clerkCount) {
      const canAdd = canAct && clerkCount < MAX_CLERKS
      if (add.disabled !== !canAdd) add.disabled = !canAdd
      add.title = canAct
        ? canAdd
          ? 'starts a new clerk (next free id and port) and puts it behind the proxy'
          : `the cluster has ${MAX_CLERKS} clerks, the most it can have`
        : "needs npm start's launcher and the admin token"
      const key = ['running', 'up'].includes(redis.state) ? 'healthy' : redis.state === 'unknown' ? 'unknown' : 'dead'
      element.dataset.condition = key
      state.textContent = TEXT[redis.state] ?? redis.state
      state.dataset.condition = key
      const seenBy = redis.source === 'clerks' ? 'as the clerks see it' : redis.source === 'launcher' ? 'as the launcher sees it' : ''
      note.textContent =
        redis.state === 'absent'
          ? 'No redis-server found: /shared and payments answer 503.'
          : [lastEvent ? `${clock(lastEvent.at)} ${lastEvent.text}` : '', seenBy].filter(Boolean).join(' · ') || '\u00a0'
      if (lastEvent && lastEvent !== shown) {
        shown = lastEvent
        flash(element)
      }
      // the launcher refuses to stop a stopped Redis or start a running one: offer only the other
      for (const [b, when] of [
        [stop, 'running'],
        [start, 'stopped'],
      ]) {
        const allowed = canAct && redis.state === when
        if (b.disabled !== !allowed) b.disabled = !allowed
        b.title = canAct ? (allowed ? '' : `Redis is ${redis.state}`) : "needs npm start's launcher and the admin token"
      }
    },
  }
}
