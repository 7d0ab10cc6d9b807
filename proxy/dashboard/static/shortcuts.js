// Keyboard shortcuts for a presenter: the dialogue in every column, the stateful policy, kill or
// revive a clerk, stop or start Redis, the view. One table, shown in the page's help as it is.
// Keys are ignored while typing in a field and with Ctrl, Alt or Meta held (the browser's own).

/** [key, what it does, action name] */
export const SHORTCUTS = [
  ['a', 'ask the price in every column', 'ask'],
  ['b', 'buy in every column', 'buy'],
  ['p', 'pay by card in every column', 'card'],
  ['n', 'a new customer in every column', 'fresh'],
  ['r', 'stateful routing: sticky ↔ round-robin', 'toggle-stateful'],
  ['1…9', 'kill the n-th clerk (revive it when it is dead)', 'clerk'],
  ['s', 'stop Redis (start it when it is stopped)', 'redis'],
  ['v', 'presenter view ↔ detailed view', 'view'],
  ['?', 'show or hide this list', 'help'],
]

/** the action a key press asks for, or null: { action, index? } (pure, for the tests) */
export function shortcutOf({ key, ctrlKey, altKey, metaKey, target }) {
  if (ctrlKey || altKey || metaKey) return null
  const tag = target?.tagName
  if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || target?.isContentEditable) return null
  if (/^[1-9]$/.test(key)) return { action: 'clerk', index: Number(key) - 1 }
  const found = SHORTCUTS.find(([k]) => k === key.toLowerCase() && k.length === 1)
  return found ? { action: found[2] } : null
}

/** @param {(shortcut: { action: string, index?: number }) => void} onShortcut */
export function bindShortcuts(onShortcut) {
  window.addEventListener('keydown', (event) => {
    const shortcut = shortcutOf(event)
    if (!shortcut) return
    event.preventDefault()
    onShortcut(shortcut)
  })
}
