// What the page knows about the cluster, merged from three sources:
//   GET /_lb/status        (polled)  health, drain, in-flight, pinned customers, each clerk's /readyz
//   GET /_cluster/status   (polled while npm start's launcher is there)  process state, restarts
//   GET /_lb/events        (SSE)     health, drain, chaos, policy, stats every second, load test
// The store computes; the views (cluster-cards.js, charts, event-log.js) only draw what it holds.

export const HISTORY_MS = 3 * 60_000 // 3 min of per-second points on the charts
const MAX_MARKERS = 50
const MERGE_MARKERS_MS = 10_000 // 10 s: the same marker again within it is one line, "×N"
/** chaos verbs that bring something back: a recovery is good news, not a failure */
const RECOVERIES = new Set(['revive', 'resume', 'start'])

export function createClusterStore() {
  const state = {
    /** last GET /_lb/status body */
    status: null,
    /** last GET /_cluster/status body, or null without the launcher */
    cluster: null,
    /** true/false once known; null while unknown */
    launcher: null,
    policies: {},
    /** id → merged view of one clerk */
    clerks: new Map(),
    /** id → [{ t, rps, eps }] oldest first */
    history: new Map(),
    /** mode → [{ t, completed, context_lost, failed }] per second, oldest first (the proxy's `stats`.modes) */
    outcomes: new Map(),
    /** [{ t, label, kind }] for the vertical lines on the charts */
    markers: [],
    /** retries the proxy made, by route prefix, since the page (or the replayed history) began */
    retriesByRoute: new Map(),
    /** last `loadtest` event */
    loadtest: null,
    redis: { state: 'unknown', source: null },
    /** the last chaos event aimed at Redis, for its card */
    redisEvent: null,
  }
  const listeners = new Set()
  const notify = (what) => {
    for (const listener of listeners) listener(what, state)
  }

  function clerk(id) {
    let c = state.clerks.get(id)
    if (!c) {
      c = {
        id,
        healthy: null,
        drained: false,
        inFlight: null,
        requests: null,
        errors: null,
        pinned: null,
        sessions: null,
        slowMs: null,
        redis: null,
        process: null,
        rps: null,
        eps: null,
        lastEvent: null,
      }
      state.clerks.set(id, c)
    }
    return c
  }

  function applyStatus(status) {
    if (!status || !Array.isArray(status.clerks)) return
    state.status = status
    if (typeof status.launcher === 'boolean') state.launcher = status.launcher
    if (status.policies) state.policies = { ...status.policies }
    for (const s of status.clerks) {
      const c = clerk(s.id)
      c.url = s.url
      c.healthy = s.healthy
      c.drained = Boolean(s.drained)
      c.inFlight = s.inFlight ?? c.inFlight
      c.requests = s.requests ?? c.requests
      c.errors = s.errors ?? c.errors
      c.pinned = s.pinned ?? c.pinned
      // open event streams (MCP sessions' SSE): shown only when the proxy reports them
      c.openStreams = s.openStreams ?? s.info?.openStreams ?? c.openStreams
      const info = s.info ?? {}
      c.sessions = info.sessions?.stateful ?? c.sessions
      c.slowMs = info.slowMs ?? c.slowMs
      c.redis = info.redis ?? c.redis
    }
    if (!state.cluster) deriveRedisFromClerks()
    notify('status')
  }

  function deriveRedisFromClerks() {
    const seen = [...state.clerks.values()].filter((c) => c.healthy && c.redis).map((c) => c.redis)
    if (seen.length === 0) return
    state.redis = { state: seen.includes('up') ? 'up' : 'down', source: 'clerks' }
  }

  function applyClusterStatus(cluster) {
    if (!cluster || !Array.isArray(cluster.processes)) return
    state.cluster = cluster
    state.launcher = true
    for (const p of cluster.processes) {
      if (p.kind && p.kind !== 'clerk') continue
      clerk(p.id).process = { state: p.state, restarts: p.restarts ?? 0, pid: p.pid, port: p.port, slowMs: p.slowMs ?? 0 }
    }
    if (cluster.redis?.state) state.redis = { state: cluster.redis.state, source: 'launcher' }
    notify('cluster')
  }

  /** the answer of PUT /_lb/policy (all routes' policies), applied before its `policy` event arrives */
  function setPolicies(policies) {
    state.policies = { ...state.policies, ...policies }
    notify('policy')
  }

  function setLauncher(present) {
    state.launcher = present
    if (!present) state.cluster = null
    notify('launcher')
  }

  /**
   * One server-sent event → state changes; returns a log line { text, kind, clerk, key }, a list of
   * them, or null.
   * `key` names lines that say the same thing again (the log merges them: "×12").
   */
  function applyEvent(event) {
    const t = Date.parse(event.at ?? '') || Date.now()
    switch (event.type) {
      case 'hello': {
        // the proxy replays its last minutes right after the hello: start the picture afresh, so a
        // reconnect does not draw the same minutes twice
        state.history.clear()
        state.outcomes.clear()
        state.markers.length = 0
        applyStatus(event.status ?? event)
        return { kind: 'info', text: 'Connected to the proxy’s event stream.' }
      }
      case 'health': {
        const c = clerk(event.clerk)
        c.healthy = Boolean(event.healthy)
        const text = `${event.clerk} is ${event.healthy ? 'healthy again' : 'unhealthy: the proxy stops sending it traffic'}`
        c.lastEvent = { text: event.healthy ? 'back to healthy' : 'marked unhealthy', at: t, kind: event.healthy ? 'good' : 'bad' }
        if (!event.healthy) mark(t, `${event.clerk} down`, 'health')
        notify('event')
        return { kind: event.healthy ? 'good' : 'bad', clerk: event.clerk, text }
      }
      case 'drain': {
        const c = clerk(event.clerk)
        c.drained = Boolean(event.drained)
        c.lastEvent = { text: event.drained ? 'draining' : 'undrained', at: t, kind: 'warn' }
        mark(t, `${event.drained ? 'drain' : 'undrain'} ${event.clerk}`, 'drain')
        notify('event')
        return {
          kind: 'warn',
          clerk: event.clerk,
          text: event.drained ? `${event.clerk} drains: no new customers, pinned ones finish` : `${event.clerk} takes new customers again`,
        }
      }
      case 'chaos': {
        const target = event.target ?? event.clerk ?? '?'
        const kind = RECOVERIES.has(event.verb) ? 'good' : 'bad'
        if (target === 'redis') state.redisEvent = { text: `${event.verb}${event.by ? ` by ${event.by}` : ''}`, at: t, kind }
        if (state.clerks.has(target)) {
          clerk(target).lastEvent = { text: `${event.verb}${event.ms !== undefined ? ` ${event.ms} ms` : ''}`, at: t, kind }
        }
        mark(t, `${event.verb} ${target}`, kind === 'good' ? 'recovery' : 'chaos')
        notify('event')
        return {
          kind,
          clerk: state.clerks.has(target) ? target : undefined,
          text: `chaos: ${event.verb} ${target}${event.ms !== undefined ? ` (${event.ms} ms)` : ''}${event.by ? ` by ${event.by}` : ''}`,
        }
      }
      case 'policy': {
        state.policies = { ...state.policies, [event.route]: event.policy }
        mark(t, `${event.route}: ${event.policy}`, 'policy')
        notify('policy')
        return { kind: 'info', text: `policy for /${event.route} is now ${event.policy}` }
      }
      case 'redispatch': {
        if (event.to) clerk(event.to).lastEvent = { text: `took over a customer of ${event.from}`, at: t, kind: 'warn' }
        notify('event')
        return {
          kind: 'warn',
          clerk: event.to,
          key: `redispatch ${event.from} ${event.to}`,
          text: `redispatch: a customer pinned to ${event.from} now goes to ${event.to} (who has never met them)`,
        }
      }
      case 'retry': {
        if (typeof event.route === 'string') state.retriesByRoute.set(event.route, (state.retriesByRoute.get(event.route) ?? 0) + 1)
        if (event.from) {
          clerk(event.from).lastEvent = { text: `failed a request${event.reason ? ` (${event.reason})` : ''}; retried on ${event.to}`, at: t, kind: 'bad' }
        }
        notify('event')
        // one line per failing clerk and reason, "×N" as the retries go on (the kill stays readable)
        return {
          kind: 'warn',
          clerk: event.from,
          key: `retry ${event.from} ${event.reason ?? ''}`,
          text: `retry: ${event.from} failed${event.reason ? ` (${event.reason})` : ''}, requests sent again to another clerk`,
        }
      }
      case 'stats': {
        applyStats(event, t)
        return contextLostLines(event)
      }
      case 'loadtest': {
        const before = state.loadtest
        state.loadtest = { ...event, receivedAt: t }
        if (event.running && !before?.running) mark(t, `load test: ${event.mode ?? ''} ${event.policy ?? ''}`.trim(), 'loadtest')
        if (!event.running && before?.running) mark(t, 'load test ends', 'loadtest')
        notify('loadtest')
        const c = event.counts ?? {}
        // a finished run is logged once, however often its final counts are repeated
        return event.running || (before && !before.running)
          ? null // running counts show in the load-test panel; one log line per second would drown the log
          : {
              kind: ['good', 'warn', 'bad'].includes(event.verdict?.tone) ? event.verdict.tone : 'info',
              text:
                typeof event.verdict?.headline === 'string'
                  ? `load test finished: ${event.verdict.headline}`
                  : `load test finished: ${c.completed ?? 0} completed, ${c.context_lost ?? 0} context lost, ${c.failed ?? 0} failed`,
            }
      }
      case 'membership': {
        const added = event.change === 'added'
        mark(t, `${added ? '+' : '−'} ${event.clerk}`, added ? 'recovery' : 'chaos')
        notify('event')
        return { kind: added ? 'good' : 'warn', clerk: event.clerk, text: `${event.clerk} ${added ? 'joined' : 'left'} the cluster${event.by ? ` (by ${event.by})` : ''}` }
      }
      case 'handoff':
        // a terminated stateful clerk parked its dialogues in Redis; this clerk took some over
        return event.failed
          ? { kind: 'bad', clerk: event.clerk, text: `handoff failed at ${event.clerk}: ${event.reason}` }
          : { kind: 'good', clerk: event.clerk, text: `${event.clerk} took over ${event.claimed} dialogue(s) another clerk handed over (${event.total} so far)` }
      case 'routes':
        return { kind: 'info', text: `route ${event.prefix} changed: ${JSON.stringify(event.route ?? {}).slice(0, 140)}` }
      default:
        return { kind: 'info', text: `${event.type ?? 'event'}: ${JSON.stringify(event).slice(0, 160)}` }
    }
  }

  function applyStats(event, t) {
    for (const s of normalizeStats(event)) {
      const c = clerk(s.id)
      c.rps = s.rps
      c.eps = s.eps
      if (s.inFlight !== null) c.inFlight = s.inFlight
      if (typeof s.healthy === 'boolean') c.healthy = s.healthy
      if (typeof s.drained === 'boolean') c.drained = s.drained
      let points = state.history.get(s.id)
      if (!points) state.history.set(s.id, (points = []))
      points.push({ t, rps: s.rps ?? 0, eps: s.eps ?? 0 })
      while (points.length > 0 && points[0].t < t - HISTORY_MS) points.shift()
    }
    for (const [mode, o] of Object.entries(event.modes ?? {})) {
      let points = state.outcomes.get(mode)
      if (!points) state.outcomes.set(mode, (points = []))
      points.push({ t, completed: num(o?.completed) ?? 0, context_lost: num(o?.context_lost) ?? 0, failed: num(o?.failed) ?? 0 })
      while (points.length > 0 && points[0].t < t - HISTORY_MS) points.shift()
    }
    while (state.markers.length > 0 && state.markers[0].t < t - HISTORY_MS) state.markers.shift()
    notify('stats')
  }

  function mark(t, label, kind) {
    const last = state.markers.at(-1)
    if (last && last.label === label && last.kind === kind && t - last.t < MERGE_MARKERS_MS) {
      last.count = (last.count ?? 1) + 1
      return
    }
    state.markers.push({ t, label, kind, count: 1 })
    if (state.markers.length > MAX_MARKERS) state.markers.shift()
  }

  /** A chaos action the page itself started: marked at once, before the proxy's event arrives. */
  function noteLocal(text, kind, clerkId) {
    if (clerkId && state.clerks.has(clerkId)) clerk(clerkId).lastEvent = { text, at: Date.now(), kind }
    notify('event')
  }

  return {
    state,
    applyStatus,
    applyClusterStatus,
    setLauncher,
    setPolicies,
    applyEvent,
    noteLocal,
    onChange: (listener) => listeners.add(listener),
  }
}

/**
 * Log lines for the seconds in which a mode lost dialogues: the lecture's lesson in the log, not
 * only on the chart. One line per mode, merged while it goes on ("×N").
 */
function contextLostLines(event) {
  const lines = Object.entries(event.modes ?? {})
    .filter(([, o]) => (num(o?.context_lost) ?? 0) > 0)
    .map(([mode, o]) => ({ kind: 'bad', key: `lost ${mode}`, text: `/${mode}: context lost ("2 of what?"), ${o.context_lost}/s` }))
  return lines.length > 0 ? lines : null
}

/**
 * The `stats` event, whatever exact shape the proxy gives it, as [{ id, rps, eps, inFlight }].
 * Accepts `clerks` as an array of { id|clerk, requestsPerSec|rps, errorsPerSec|eps, inFlight } or
 * as an object keyed by clerk id.
 */
export function normalizeStats(event) {
  const raw = event.clerks ?? event.perClerk ?? []
  const entries = Array.isArray(raw) ? raw.map((v) => [v.id ?? v.clerk, v]) : Object.entries(raw)
  return entries
    .filter(([id]) => typeof id === 'string')
    .map(([id, v]) => ({
      id,
      rps: num(v.requestsPerSec ?? v.rps ?? v.requests),
      eps: num(v.errorsPerSec ?? v.eps ?? v.errors ?? v.failuresPerSec),
      inFlight: num(v.inFlight),
      healthy: v.healthy,
      drained: v.drained,
    }))
}

function num(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}
