// The learner page's clerks: one chip per clerk (colour, condition, requests/s, in flight) and one
// for Redis, read-only. Rebuilt from the store's state on each change; it holds no buttons, so
// there is no focus to keep.
import { h } from './dom.js'
import { colorOf } from './clerk-colors.js'
import { clerkCondition } from './cluster-cards.js'
import { count, rate } from './format.js'

/** @param {HTMLElement} list @param {ReturnType<import('./cluster-store.js').createClusterStore>['state']} state */
export function renderStrip(list, state) {
  const chips = [...state.clerks.values()].map((c) => {
    const condition = clerkCondition(c)
    return h(
      'li',
      { dataset: { clerk: c.id, condition: condition.key } },
      h('span', { class: 'badge', style: { background: colorOf(c.id) } }, c.id),
      h('span', { class: 'state' }, condition.text),
      h('span', { class: 'muted' }, `${rate(c.rps)} req/s · ${count(c.inFlight)} in flight`),
    )
  })
  const redis = state.redis.state
  chips.push(
    h('li', { dataset: { redis, condition: redis === 'up' ? 'healthy' : redis === 'unknown' ? 'unknown' : 'down' } }, h('b', {}, 'Redis'), h('span', { class: 'state' }, redis)),
  )
  list.replaceChildren(...chips)
}
