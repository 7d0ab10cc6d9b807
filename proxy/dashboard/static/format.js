// Small formatting helpers shared by every view. Pure: no DOM, no state.

/** 2000000 → "2,000,000 won" (the shop's currency, as the clerks say it) */
export function won(amount) {
  return `${Number(amount).toLocaleString('en-US')} won`
}

/** an ISO time or Date → "03:12:05" in the viewer's clock */
export function clock(at) {
  const date = at instanceof Date ? at : new Date(at ?? Date.now())
  if (Number.isNaN(date.getTime())) return '--:--:--'
  return date.toLocaleTimeString('en-GB', { hour12: false })
}

/** a long opaque token → "eyJwIjoibGFw…Zk3Qw" (enough to see it change, short enough to read) */
export function shorten(text, head = 14, tail = 6) {
  const s = String(text ?? '')
  return s.length <= head + tail + 1 ? s : `${s.slice(0, head)}…${s.slice(-tail)}`
}

/** 12.345 → "12.3", 0 → "0", undefined → "–" */
export function rate(value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '–'
  return value >= 100 || Number.isInteger(value) ? String(Math.round(value)) : value.toFixed(1)
}

/** a count or "–" when the number is not known yet */
export function count(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toLocaleString('en-US') : '–'
}
