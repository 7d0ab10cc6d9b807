// The MCP view: one card per mode plays the dialogue as an MCP client (mcp-wire.js) and shows the
// session id, which clerk holds the pay's stream, each event as it arrives, and what a kill of
// that clerk does: shared resumes the stream on another clerk (Last-Event-ID), stateless sends the
// pay again with its context, stateful loses the session (404). Outcomes are also on the card's
// dataset (outcome, streamClerk, resumedOn, progress) for a test or a screen reader.
import { readToken } from './admin-token.js'
import { h } from './dom.js'
import { createMcpSession, McpHttpError, StreamCut } from './mcp-wire.js'
import { MODES } from './vocabulary.js'

const WHAT_A_KILL_DOES = {
  stateful: 'The session lives in that clerk’s memory: a kill loses it (404 Session not found).',
  stateless: 'No session: the pay is sent again with its signed context, any clerk answers.',
  shared: 'Session and events in Redis: the cut stream resumes on another clerk (Last-Event-ID).',
}

/** builds the view into `container` (an empty element); returns nothing the page needs */
export function mountMcpView(container) {
  container.append(
    h(
      'div',
      { class: 'section-head' },
      h('h2', { id: 'mcp-title' }, 'MCP: the same shop for AI agents'),
      h(
        'p',
        { class: 'section-help' },
        'Each card is an MCP client in this page (Streamable HTTP through the proxy). Tick the box to kill the clerk holding the pay’s stream at its first event.',
      ),
    ),
    h('div', { class: 'chat-grid' }, MODES.map(card)),
  )
}

function card(mode) {
  const kill = h('input', { type: 'checkbox', class: 'mcp-kill' })
  const play = h('button', { type: 'button', class: 'mcp-play' }, 'Play a dialogue')
  const session = h('code', { class: 'mcp-session' }, '—')
  const holder = h('span', { class: 'mcp-holder' }, '—')
  const events = h('ol', { class: 'mcp-events event-log', 'aria-live': 'polite' })
  const outcome = h('p', { class: 'mcp-outcome', role: 'status' })
  const element = h(
    'article',
    { class: 'chat-column', dataset: { mcpMode: mode } },
    h('h3', {}, `${mode} /${mode}/mcp`),
    h('p', { class: 'section-help' }, WHAT_A_KILL_DOES[mode]),
    h('p', {}, play, ' ', h('label', {}, kill, ' kill mid-pay')),
    h('p', {}, 'session ', session, ' · stream held by ', holder),
    events,
    outcome,
  )
  const say = (text) => events.append(h('li', {}, text))
  play.addEventListener('click', async () => {
    play.disabled = true
    events.replaceChildren()
    outcome.textContent = ''
    for (const key of ['outcome', 'streamClerk', 'resumedOn', 'progress']) delete element.dataset[key]
    try {
      const end = await playDialogue(mode, kill.checked, {
        say,
        session: (id) => (session.textContent = id ?? 'none (stateless)'),
        // the clerk that opened the pay's stream; a resume or a retry shows where it went next
        holder: (clerk) => {
          if (element.dataset.streamClerk === undefined) {
            holder.textContent = clerk ?? '?'
            element.dataset.streamClerk = clerk ?? ''
          } else holder.textContent = `${element.dataset.streamClerk}, then ${clerk ?? '?'}`
        },
        progress: (list) => (element.dataset.progress = list.join(',')),
      })
      element.dataset.outcome = end.outcome
      if (end.resumedOn) element.dataset.resumedOn = end.resumedOn
      outcome.textContent = end.text
    } catch (err) {
      element.dataset.outcome = 'failed'
      outcome.textContent = `failed: ${err.message}`
    } finally {
      play.disabled = false
    }
  })
  return element
}

/** ask_price → buy → pay over MCP; with `killMidPay`, the stream's clerk is SIGKILLed at the first progress event */
async function playDialogue(mode, killMidPay, show) {
  const mcp = createMcpSession(mode)
  const init = await mcp.initialize()
  show.session(mcp.sessionId)
  show.say(`initialize → ${init.clerk}`)
  const asked = await mcp.call('ask_price', { product: 'laptop' })
  show.say(`ask_price → ${asked.clerk}: ${text(asked.result)}`)
  const bought = await mcp.call('buy', { quantity: 2, ...(mode === 'stateless' && { context: asked.result.structuredContent?.context }) })
  show.say(`buy → ${bought.clerk}: ${text(bought.result)}`)
  const payArgs = { method: 'card', ...(mode === 'stateless' && { context: bought.result.structuredContent?.context }) }
  const progress = []
  let streamClerk = null
  let killing = null
  const on = {
    headers: (clerk) => {
      streamClerk ??= clerk
      show.holder(clerk)
    },
    event: ({ id, message }) => {
      if (message.method === 'notifications/progress') {
        progress.push(message.params.progress)
        show.progress(progress)
        show.say(`event ${id ?? ''} progress ${message.params.progress}/${message.params.total}: ${message.params.message}`)
        if (killMidPay && killing === null) killing = killClerk(streamClerk).then((said) => show.say(said))
      } else if (message.result) show.say(`event ${id ?? ''} result`)
    },
  }
  try {
    const paid = await mcp.call('pay', payArgs, on)
    return { outcome: 'completed', text: `completed on ${paid.clerk}: ${text(paid.result)}` }
  } catch (err) {
    if (!(err instanceof StreamCut)) throw err
    await killing
    show.say(`the stream from ${streamClerk} was cut`)
    if (mode === 'shared' && err.lastEventId) {
      show.say(`GET with Last-Event-ID ${err.lastEventId}`)
      const resumed = await resumeWhenTaken(mcp, on, err.requestId, err.lastEventId, show.say)
      return { outcome: 'resumed', resumedOn: resumed.clerk, text: `resumed on ${resumed.clerk}: ${text(resumed.result)}` }
    }
    if (mode === 'stateless') {
      progress.length = 0
      const again = await mcp.call('pay', payArgs, { ...on, headers: (clerk) => show.holder(clerk) })
      return { outcome: 'resumed', resumedOn: again.clerk, text: `sent again to ${again.clerk}: ${text(again.result)}` }
    }
    if (await mcp.isGone()) return { outcome: 'session_lost', text: `session lost: ${streamClerk} took it along (404 Session not found). A new dialogue starts a new session.` }
    throw err
  }
}

const RESUME_ATTEMPTS = 6
const RESUME_BACKOFF_MS = 500 // then 1 s, 1.5 s …: the dead clerk's lease on the pay runs out after 1 s

/**
 * The resume, again while the clerk reached cannot finish the pay yet (the dead clerk's lease has
 * not run out: it ends the stream and the client asks again), with a growing pause, as the SDK's
 * client reconnects.
 */
async function resumeWhenTaken(mcp, on, requestId, lastEventId, say) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await mcp.resume(requestId, lastEventId, on)
    } catch (err) {
      say(`resume ${attempt}: ${err.message}`)
      if (attempt >= RESUME_ATTEMPTS || !(err instanceof StreamCut || err instanceof McpHttpError)) throw err
      if (err.lastEventId) lastEventId = err.lastEventId
      await new Promise((resolve) => setTimeout(resolve, RESUME_BACKOFF_MS * attempt))
    }
  }
}

async function killClerk(clerk) {
  if (!clerk) return 'no clerk to kill'
  const token = readToken()
  const res = await fetch(`/_cluster/clerks/${encodeURIComponent(clerk)}/kill`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: '{}',
  }).catch(() => null)
  return res?.ok ? `killed ${clerk} (SIGKILL)` : `could not kill ${clerk} (${res ? res.status : 'no answer'}: is the admin token set?)`
}

function text(result) {
  return result?.content?.find((c) => c.type === 'text')?.text ?? ''
}
