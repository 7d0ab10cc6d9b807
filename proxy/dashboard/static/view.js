// Two layouts of the same page: `presenter` fits one 1280×720 screen (a cluster strip, the three
// columns with their outcome charts, the event log; no scrolling), `detailed` shows everything
// with room to read. The presenter view is the default on screens at least PRESENTER_MIN_WIDTH
// wide; a choice made with the button (or the `v` key) is kept for this browser. `?view=…` wins.

const KEY = 'clerk-cluster.view'
const PRESENTER_MIN_WIDTH = 1000 // px: below it (a phone, a narrow window) the columns stack

export function initialView(location = window.location) {
  const asked = new URLSearchParams(location.search).get('view')
  if (asked === 'presenter' || asked === 'detailed') return asked
  try {
    const saved = localStorage.getItem(KEY)
    if (saved === 'presenter' || saved === 'detailed') return saved
  } catch {
    // storage disabled: the default
  }
  return window.innerWidth >= PRESENTER_MIN_WIDTH ? 'presenter' : 'detailed'
}

export function saveView(view) {
  try {
    localStorage.setItem(KEY, view)
  } catch {
    // storage disabled: the choice lasts as long as the page
  }
}

/** the layout shown: the presenter view needs its width; a narrower window stacks (the choice stays) */
export function effectiveView(view, width = window.innerWidth) {
  return view === 'presenter' && width < PRESENTER_MIN_WIDTH ? 'detailed' : view
}

/** calls `onChange` when the window crosses the presenter view's width (a rotated tablet, a resized window) */
export function onWidthClass(onChange) {
  window.matchMedia(`(min-width: ${PRESENTER_MIN_WIDTH}px)`).addEventListener('change', onChange)
}

export function applyView(view) {
  document.body.dataset.view = effectiveView(view)
  const button = document.getElementById('view-toggle')
  if (button) {
    button.textContent = view === 'presenter' ? 'Detailed view' : 'Presenter view'
  }
}
