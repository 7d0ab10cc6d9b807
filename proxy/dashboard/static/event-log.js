// The event log: one line per thing that happened, newest first, with the clerk's colour. Lines
// that say the same thing again (the same `key`, within MERGE_MS) are one line counting "×N", so a
// kill is not drowned in a dozen retries.
import { h } from './dom.js'
import { colorOf } from './clerk-colors.js'
import { clock } from './format.js'

const MAX_LINES = 200
const MERGE_MS = 15_000 // 15 s

/** @param {HTMLOListElement} list */
export function createEventLog(list) {
  /** key → { li, count, at } of the newest line with that key */
  const merged = new Map()
  return {
    /** @param {{ text: string, kind?: 'info'|'good'|'warn'|'bad'|'you', clerk?: string, at?: string|number, key?: string }} line */
    add({ text, kind = 'info', clerk, at, key }) {
      const when = at ? new Date(at) : new Date()
      const before = key ? merged.get(key) : undefined
      if (before && before.li.isConnected && when.getTime() - before.at < MERGE_MS) {
        before.count++
        before.at = when.getTime()
        before.li.querySelector('time').textContent = clock(when)
        before.li.querySelector('.log-text').textContent = text
        before.li.querySelector('.log-count').textContent = `×${before.count}`
        list.prepend(before.li)
        return
      }
      const li = h(
        'li',
        { class: `log-line log-${kind}`, dataset: { kind } },
        h('time', {}, clock(when)),
        clerk ? h('span', { class: 'swatch', style: { background: colorOf(clerk) }, 'aria-hidden': 'true' }) : null,
        h('span', { class: 'log-text' }, text),
        h('span', { class: 'log-count' }),
      )
      if (key) merged.set(key, { li, count: 1, at: when.getTime() })
      list.prepend(li)
      while (list.children.length > MAX_LINES) list.lastElementChild?.remove()
    },
    /** a fresh start (the proxy is about to replay its history) */
    clear() {
      merged.clear()
      list.replaceChildren()
    },
  }
}
