// One chat column: the customer's lines as buttons, the clerks' answers as bubbles. It talks to
// the cluster only through the proxy (POST /{mode}/ask|buy|pay) and draws exactly what came back,
// including the clerk who answered (body.clerk or the X-Clerk header).
import { h } from './dom.js'
import { colorOf } from './clerk-colors.js'
import { decodeContextToken } from './context-token.js'
import { clock, shorten, won } from './format.js'
import { canRenderHangul } from './hangul-support.js'
// served by the proxy from the compiled services/common/vocabulary.ts
import { POLICY_NAMES } from './vocabulary.js'

export const PRODUCTS = ['laptop', 'monitor', 'keyboard', 'mouse']
/** the policy buttons: sticky first, the policy the stateful column is about */
export const POLICIES = [...POLICY_NAMES].sort((a, b) => Number(b === 'sticky') - Number(a === 'sticky'))
const SHORT_LABELS = { 'least-connections': 'least-conn' }
const MAX_BUBBLES = 60
const MAX_TRAIL = 9 // steps shown in the column's trail of answering clerks
/** the outcome lines under each column: colour and dash, so they differ without colour too */
export const OUTCOME_LINES = [
  { key: 'completed', label: 'completed', color: '#0b6e35' },
  { key: 'context_lost', label: 'context lost', color: '#b3261e', dash: [7, 4] },
  { key: 'failed', label: 'failed', color: '#4d4d4d', dash: [2, 3] },
]
// "New customer" asks the proxy to expire this browser's cookies (POST /_lb/new-customer): the
// page cannot, they are HttpOnly. lb_clerk is one cookie per route (Path=/stateful, …), so a new
// customer in one column leaves the other columns pinned (docs/dashboard.md).
const NEW_CUSTOMER = {
  stateful: 'A new customer walks in with an empty cookie jar: the proxy picks their clerk afresh.',
  stateless: 'A new customer walks in, carrying nothing yet.',
  shared: 'A new customer walks in with an empty cookie jar: a fresh dialogue in Redis.',
}
// lb_clerk is one cookie per route (Path=/stateful, …): emptying one column's jar unpins that column only
const ONE_STICKY_COOKIE = 'Its sticky pin went too; the other columns keep theirs (one lb_clerk per route).'
// what happens when the proxy could not empty the jar (an older proxy, or none at all)
const SAME_JAR = {
  stateful: 'Same browser, same cookies: sticky routing keeps this customer with the same clerk.',
  stateless: 'The client carries nothing now; the browser keeps its cookies.',
  shared: 'Same browser, same cookies: the first question still starts a fresh dialogue in Redis.',
}

/**
 * @param {{ mode: 'stateful'|'stateless'|'shared', title: string, explain: string,
 *           api: ReturnType<import('./api.js').createApi>, onPolicy: (route: string, policy: string) => void,
 *           onAnswer?: (mode: string, result: object) => void }} options
 * @returns {{ element: HTMLElement, chartCanvas: HTMLCanvasElement, setPolicy(policy: string): void, setAdmin(enabled: boolean): void,
 *             say(step: 'ask'|'buy'|'card'|'cash'|'fresh'): void }}
 */
export function createDialogueColumn({ mode, title, explain, api, onPolicy, onAnswer }) {
  let context = null // stateless only: the token the client carries to the next request
  let busy = false
  // Lines and new customers take turns: a line said while the jar is being emptied waits for it
  // (so it never carries the old cookies), and a new customer waits for the answer in flight (so
  // its Set-Cookie cannot land after the jar was emptied).
  let turns = Promise.resolve()
  const inTurn = (work) => {
    const done = turns.then(work)
    turns = done.catch(() => {})
    return done
  }
  let customers = 0 // data-customers: how many new customers have walked in (a test waits on it)
  let answers = 0 // counted on the element (data-answers), so a test or a screen reader knows an answer landed

  const chat = h('ol', { class: 'chat', 'aria-live': 'polite', 'aria-label': `Dialogue in ${mode} mode`, dataset: { chat: mode } })
  const product = h(
    'select',
    { id: `${mode}-product` },
    PRODUCTS.map((p) => h('option', { value: p }, p)),
  )
  const quantity = h('input', { id: `${mode}-quantity`, type: 'number', min: 1, max: 100, step: 1, value: 2, inputmode: 'numeric' })
  const policyButtons = POLICIES.map((policy) =>
    h('button', { type: 'button', class: 'seg', 'aria-pressed': 'false', dataset: { policy }, onclick: () => onPolicy(mode, policy) }, SHORT_LABELS[policy] ?? policy),
  )
  const talkingTo = h('span', { class: 'talking-to', dataset: { talkingTo: mode } }, 'no clerk yet')
  const carried = mode === 'stateless' ? h('div', { class: 'carried', 'aria-live': 'polite' }) : null
  // which clerk answered each step, oldest first: a stateful round-robin shows ask A · buy B ✗
  const trail = h('ol', { class: 'trail', 'aria-label': `Which clerk answered each step in ${mode} mode`, dataset: { trail: mode } })
  const chartCanvas = h('canvas', { role: 'img', 'aria-label': `Dialogues per second in ${mode} mode: completed, context lost, failed` })
  const chart = h(
    'figure',
    { class: 'mode-chart' },
    h(
      'figcaption',
      {},
      'dialogues/s ',
      OUTCOME_LINES.map((o) =>
        h('span', { class: `key key-${o.key}` }, h('span', { class: 'key-line', style: { borderColor: o.color, borderStyle: o.dash ? 'dashed' : 'solid' } }), o.label),
      ),
    ),
    h('div', { class: 'chart-frame compact' }, chartCanvas),
  )

  // a customer who refuses cookies: this column then sends none and keeps none (stateful and shared
  // forget the customer at the second step, no_session; stateless carries its token and goes on)
  const cookiesOff = h('input', {
    type: 'checkbox',
    id: `${mode}-cookies-off`,
    onchange: () => {
      element.dataset.cookies = cookiesOff.checked ? 'off' : 'on'
      system(cookiesOff.checked ? 'This customer now refuses cookies.' : 'This customer accepts cookies again.')
    },
  })
  const buttons = {
    ask: h('button', { type: 'button', class: 'say', onclick: () => ask() }, 'Ask the price'),
    buy: h('button', { type: 'button', class: 'say', onclick: () => buy() }, 'Buy'),
    card: h('button', { type: 'button', class: 'say', onclick: () => pay('card') }, 'Pay by card'),
    cash: h('button', { type: 'button', class: 'say', onclick: () => pay('cash') }, 'Pay cash'),
    fresh: h('button', { type: 'button', class: 'quiet fresh', onclick: () => newCustomer() }, 'New customer'),
  }

  const element = h(
    'article',
    { class: `chat-col mode-${mode}`, dataset: { mode, answers: '0', customers: '0', cookies: 'on' }, 'aria-labelledby': `${mode}-title` },
    h(
      'header',
      { class: 'chat-head' },
      h('div', { class: 'chat-title-row' }, h('h3', { id: `${mode}-title` }, title), talkingTo),
      h('p', { class: 'explain' }, explain),
      trail,
      h('div', { class: 'policy', role: 'group', 'aria-label': `Routing policy for /${mode}` }, h('span', { class: 'policy-label' }, 'routing'), policyButtons),
    ),
    chat,
    carried,
    chart,
    h(
      'div',
      { class: 'controls' },
      h('div', { class: 'control-row' }, h('label', { for: product.id, class: 'sr-only' }, 'Product'), product, buttons.ask),
      h('div', { class: 'control-row' }, h('label', { for: quantity.id, class: 'sr-only' }, 'Quantity'), quantity, buttons.buy, buttons.fresh),
      h(
        'div',
        { class: 'control-row' },
        buttons.card,
        buttons.cash,
        h('label', { class: 'cookies-off', for: cookiesOff.id, title: 'send no cookie and keep none, like a browser that refuses them' }, cookiesOff, 'cookies off'),
      ),
    ),
  )
  renderCarried()
  system('A customer walks in.')

  async function ask() {
    const item = product.value
    await exchange('ask', `How much is this ${item}?`, { product: item })
  }

  async function buy() {
    const n = Number(quantity.value)
    const body = { quantity: Number.isFinite(n) ? n : quantity.value }
    await exchange('buy', `I'll buy ${quantity.value}.`, body)
  }

  async function pay(method) {
    await exchange('pay', method === 'card' ? 'Credit card.' : 'Cash.', { method })
  }

  // stateless: the client, not the clerk, remembers the dialogue; it sends the token back
  function withContext(body) {
    return mode === 'stateless' && context ? { context, ...body } : body
  }

  function newCustomer() {
    return inTurn(async () => {
      const result = await api.newCustomer(mode)
      chat.replaceChildren()
      trail.replaceChildren()
      context = null
      renderCarried()
      const before = talkingTo.dataset.clerk
      if (result.ok) {
        system(`${NEW_CUSTOMER[mode]}${before ? ` The last one was served by ${before}.` : ''} ${ONE_STICKY_COOKIE}`)
        setTalkingTo(null)
      } else {
        const why = result.status === 0 ? result.error : `HTTP ${result.status}${result.body?.message ? `: ${result.body.message}` : ''}`
        system(`A new customer walks in, but the proxy did not empty the cookie jar (${why}). ${SAME_JAR[mode]}`)
      }
      element.dataset.customers = String(++customers)
    })
  }

  async function exchange(step, line, body) {
    if (busy) return
    busy = true
    element.setAttribute('aria-busy', 'true')
    await inTurn(async () => {
      // the context is read in turn: a new customer just before carries nothing
      const sent = step === 'ask' ? body : withContext(body)
      customer(line, mode === 'stateless' ? sent : null)
      const result = await api.say(mode, step, sent, { cookies: !cookiesOff.checked })
      busy = false
      element.removeAttribute('aria-busy')
      answer(step, result)
      element.dataset.answers = String(++answers)
      if (mode === 'stateless' && result.ok && typeof result.body?.context === 'string') {
        context = result.body.context
        renderCarried()
      }
      onAnswer?.(mode, result)
    })
  }

  function customer(line, sent) {
    add(
      h(
        'li',
        { class: 'bubble customer' },
        h('span', { class: 'who' }, 'customer'),
        h('p', { class: 'line' }, line),
        sent ? h('p', { class: 'meta mono' }, `sends ${describeBody(sent)}`) : null,
      ),
    )
  }

  function answer(step, { ok, status, body, headers, error }) {
    if (status === 0) {
      add(h('li', { class: 'bubble system bad', dataset: { status: 0 } }, h('p', { class: 'line' }, `No answer: ${error}.`)))
      return
    }
    const clerk = body?.clerk ?? headers.get('x-clerk')
    const notes = []
    if (headers.get('x-redispatched')) notes.push('redispatched: its clerk was gone')
    const retried = headers.get('x-retried')
    if (retried) notes.push(`retried ×${retried}`)
    if (!clerk) {
      // no clerk answered: the proxy speaks (503 no healthy clerk, 502, 504)
      add(
        h(
          'li',
          { class: 'bubble system bad', dataset: { status, error: body?.error ?? '' } },
          h('span', { class: 'who' }, `proxy · ${status}`),
          h('p', { class: 'line' }, body?.message ?? `HTTP ${status}`),
        ),
      )
      return
    }
    setTalkingTo(clerk)
    const lost = status === 409 && body?.error === 'context_lost'
    const kind = ok ? 'ok' : lost ? 'lost' : 'warn'
    addTrail(step, clerk, kind)
    const color = colorOf(clerk)
    add(
      h(
        'li',
        { class: `bubble clerk ${kind}`, style: { '--clerk': color }, dataset: { clerk, status, error: body?.error ?? '', reason: body?.reason ?? '' } },
        h('span', { class: 'who' }, h('span', { class: 'badge', style: { background: color } }, clerk), ` ${status} · ${clock()}`),
        h('p', { class: 'line' }, body?.say ?? body?.message ?? `HTTP ${status}`),
        body?.sayKo && canRenderHangul() ? h('p', { class: 'ko', lang: 'ko' }, body.sayKo) : null,
        h('p', { class: 'meta' }, detail(step, status, body), notes.length ? ` · ${notes.join(' · ')}` : ''),
      ),
    )
  }

  function detail(step, status, body) {
    if (status === 409 && body?.error === 'context_lost') {
      return `context lost: ${body.clerk} has no record of this dialogue${body.reason ? ` (${body.reason.replace(/_/g, ' ')})` : ''}`
    }
    if (status >= 400) return `${body?.error ?? 'error'}${body?.say && body?.message ? `: ${body.message}` : ''}`
    if (step === 'ask' && body?.product) return `${body.product.name ?? body.product.id}: ${won(body.product.unitPrice)} each`
    if (step === 'buy' && typeof body?.total === 'number') return `${body.quantity} × ${won(body.product?.unitPrice ?? 0)} = ${won(body.total)}`
    if (step === 'pay' && body?.order) return `order ${body.order.id}${body.replayed ? ' (replayed, not charged twice)' : ''}`
    return ''
  }

  function setTalkingTo(clerk) {
    if (clerk === null) {
      talkingTo.replaceChildren('no clerk yet')
      delete talkingTo.dataset.clerk
      return
    }
    talkingTo.replaceChildren('answered by ', h('span', { class: 'badge', style: { background: colorOf(clerk) } }, clerk))
    talkingTo.dataset.clerk = clerk
  }

  function addTrail(step, clerk, kind) {
    const color = colorOf(clerk)
    trail.append(
      h(
        'li',
        { class: `trail-step trail-${kind}`, style: { '--clerk': color }, title: `${step}: ${clerk}${kind === 'lost' ? ' (context lost)' : ''}` },
        `${step} `,
        h('b', {}, clerk.replace(/^clerk-/, '')),
        kind === 'lost' ? ' ✗' : '',
      ),
    )
    while (trail.children.length > MAX_TRAIL) trail.firstElementChild?.remove()
  }

  function system(text) {
    add(h('li', { class: 'bubble system' }, h('p', { class: 'line' }, text)))
  }

  function add(li) {
    chat.append(li)
    while (chat.children.length > MAX_BUBBLES) chat.firstElementChild?.remove()
    chat.scrollTop = chat.scrollHeight
  }

  function renderCarried() {
    if (!carried) return
    if (!context) {
      carried.replaceChildren(
        h('h4', {}, 'The client carries'),
        h('p', { class: 'carried-empty' }, 'nothing yet: the clerk hands over a signed context token with its first answer'),
      )
      return
    }
    const { payload } = decodeContextToken(context)
    carried.replaceChildren(
      h('h4', {}, 'The client carries'),
      h('p', { class: 'mono token', title: context }, `token ${shorten(context, 18, 8)} (${context.length} chars, signed)`),
      payload ? h('p', { class: 'mono payload' }, payloadFields(payload)) : h('p', { class: 'carried-empty' }, 'opaque to the client; only the clerks can read it'),
    )
  }

  return {
    element,
    chartCanvas,
    /** a keyboard shortcut's line: the same as clicking its button (disabled or busy: nothing) */
    say(which) {
      const button = buttons[which]
      if (button && !button.disabled) button.click()
    },
    setPolicy(policy) {
      for (const b of policyButtons) b.setAttribute('aria-pressed', String(b.dataset.policy === policy))
    },
    setAdmin(enabled) {
      for (const b of policyButtons) {
        b.disabled = !enabled
        b.title = enabled ? '' : 'needs the admin token'
      }
    },
  }
}

function describeBody(body) {
  const shown = { ...body }
  if (typeof shown.context === 'string') shown.context = shorten(shown.context, 10, 4)
  return JSON.stringify(shown)
}

function payloadFields(payload) {
  // key: value chips that wrap, prices readable, long ids shortened, so the panel keeps its size
  return Object.entries(payload).map(([k, v]) => {
    let text = typeof v === 'string' ? shorten(v, 8, 4) : JSON.stringify(v)
    if (typeof v === 'number' && /price|total/i.test(k)) text = won(v)
    if (typeof v === 'number' && /^(exp|iat|expires|issued)/i.test(k)) text = clock(v > 1e12 ? v : v * 1000)
    return h('span', { class: 'field' }, h('b', {}, `${k}:`), ` ${text}`)
  })
}
