// One stable colour per clerk id, so a bubble, a card and a chart line of the same clerk match.
// Colours come from the Okabe–Ito palette (distinguishable with the common colour-vision
// deficiencies), darkened where needed so white text on them stays readable on a projector.
// The id is always printed next to the colour: colour is a help, never the only signal.

const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#8F6A00', '#56B4E9', '#6B4C9A', '#4D4D4D']

const assigned = new Map()

/** Registers ids in the order the proxy lists them, so clerk-a, clerk-b, clerk-c get the first colours. */
export function registerClerks(ids) {
  for (const id of ids) colorOf(id)
}

/** The colour of a clerk id; the first id seen gets the first colour, and so on. */
export function colorOf(id) {
  const key = String(id)
  let color = assigned.get(key)
  if (color === undefined) {
    color = PALETTE[assigned.size % PALETTE.length]
    assigned.set(key, color)
  }
  return color
}
