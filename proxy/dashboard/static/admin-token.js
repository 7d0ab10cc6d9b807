// The admin token protects chaos and policy changes. `npm start` prints a link ending in
// `#token=…`: the fragment never reaches a server or a log. We move it into sessionStorage (it
// lives as long as this tab) and drop it from the address bar, so it is not on the projector.

const KEY = 'clerk-cluster.adminToken'

/** Takes `#token=…` from the address bar (if any) into sessionStorage; returns the current token. */
export function adoptTokenFromLocation(location = window.location, history = window.history) {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''))
  const fromHash = params.get('token')
  if (fromHash) {
    saveToken(fromHash)
    params.delete('token')
    const rest = params.toString()
    history.replaceState(null, '', location.pathname + location.search + (rest ? `#${rest}` : ''))
  }
  return readToken()
}

export function readToken() {
  try {
    return sessionStorage.getItem(KEY) ?? ''
  } catch {
    return ''
  }
}

export function saveToken(token) {
  try {
    if (token) sessionStorage.setItem(KEY, token)
    else sessionStorage.removeItem(KEY)
  } catch {
    // storage disabled: the token then lives only in memory (see app.js)
  }
}
