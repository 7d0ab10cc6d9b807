// The proxy's route table (GET /_lb/status `routes`, docs/contract.md): per route prefix what a
// failed attempt is retried on, how many attempts, the per-try timeout, whether the route is safe
// to repeat by design and why; and how many retries the proxy made on it in the page's history
// (from `retry` events, which name their route). Shown under the top bar when "Routes" is pressed.
import { h } from './dom.js'

/** `1000` → `1 s`, `null` → `none` */
export function perTryText(ms) {
  if (typeof ms !== 'number') return 'none'
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`
}

/** the retry conditions of a route in words, with its chosen statuses */
export function retryOnText(route) {
  // an answered status retried on the clerk that gave it (a stateful dialogue lives there) says so
  const where = route.retryStatusesOn === 'same-clerk' ? ' (same clerk)' : ''
  const on = [...(route.retryOn ?? []), ...(route.retryOnStatuses ?? []).map((s) => `${s}${where}`)]
  return on.length > 0 ? on.join(', ') : 'never'
}

/** @param {HTMLElement} container */
export function createRoutesTable(container) {
  let key = ''
  return {
    /** @param {Array<object>|undefined} routes @param {Map<string, number>} retries by route prefix */
    render(routes, retries) {
      if (!Array.isArray(routes)) {
        container.replaceChildren(h('p', {}, 'This proxy reports no route table.'))
        key = ''
        return
      }
      const next = JSON.stringify([routes, [...retries]])
      if (next === key) return
      key = next
      container.replaceChildren(
        h(
          'table',
          { class: 'routes-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['route', 'retried on', 'attempts', 'per try', 'safe to repeat', 'retries'].map((t) => h('th', { scope: 'col' }, t)),
            ),
          ),
          h(
            'tbody',
            {},
            routes.map((r) =>
              h(
                'tr',
                { title: r.why ?? '', dataset: { route: r.prefix } },
                h('th', { scope: 'row' }, h('code', {}, r.prefix)),
                h('td', {}, retryOnText(r)),
                h('td', { class: 'num' }, String(r.attempts ?? '–')),
                h('td', { class: 'num' }, perTryText(r.perTryTimeoutMs)),
                h('td', {}, r.idempotentByDesign ? 'yes' : 'no'),
                h('td', { class: 'num' }, String(retries.get(r.prefix) ?? 0)),
              ),
            ),
          ),
        ),
      )
    },
  }
}
