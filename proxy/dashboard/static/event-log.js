// The event log: one line per thing that happened, newest first, with the clerk's colour.
import { h } from './dom.js'
import { colorOf } from './clerk-colors.js'
import { clock } from './format.js'

const MAX_LINES = 200

/** @param {HTMLOListElement} list */
export function createEventLog(list) {
  return {
    /** @param {{ text: string, kind?: 'info'|'good'|'warn'|'bad'|'you', clerk?: string, at?: string|number }} line */
    add({ text, kind = 'info', clerk, at }) {
      const li = h(
        'li',
        { class: `log-line log-${kind}`, dataset: { kind } },
        h('time', {}, clock(at ? new Date(at) : new Date())),
        clerk ? h('span', { class: 'swatch', style: { background: colorOf(clerk) }, 'aria-hidden': 'true' }) : null,
        h('span', { class: 'log-text' }, text),
      )
      list.prepend(li)
      while (list.children.length > MAX_LINES) list.lastElementChild?.remove()
    },
  }
}
