// The MCP Streamable HTTP transport in a few functions, with fetch and a ReadableStream reader (no
// SDK in the page): JSON-RPC initialize, tools/call with a progress token, and reading an answer
// that is either JSON or an event stream. Nothing here touches the DOM; docs/mcp.md has the protocol.

const PROTOCOL_VERSION = '2025-11-25' // the first with a priming event: a cut stream can be resumed (docs/mcp.md)
const ACCEPT = 'application/json, text/event-stream'
const TIMEOUT_MS = 15_000 // an answer, or the next event, within 15 s (a stuck stream is said, not waited on)

/** one MCP client session at `/{mode}/mcp` (stateless: no session id) */
export function createMcpSession(mode) {
  const url = `/${mode}/mcp`
  let sessionId = null
  let nextId = 1

  function headers(extra = {}) {
    const h = { 'content-type': 'application/json', accept: ACCEPT, 'mcp-protocol-version': PROTOCOL_VERSION, ...extra }
    if (sessionId) h['mcp-session-id'] = sessionId
    return h
  }

  async function post(message) {
    const res = await fetch(url, { method: 'POST', headers: headers(), body: JSON.stringify(message), credentials: 'same-origin', cache: 'no-store' })
    return res
  }

  return {
    get sessionId() {
      return sessionId
    },
    async initialize() {
      const id = nextId++
      const res = await post({
        jsonrpc: '2.0',
        id,
        method: 'initialize',
        params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'clerk-cluster dashboard', version: '1.0.0' } },
      })
      if (!res.ok) throw new McpHttpError(res.status, await res.text())
      sessionId = res.headers.get('mcp-session-id')
      const answer = await readAnswer(res, id, {})
      await post({ jsonrpc: '2.0', method: 'notifications/initialized' }).then((r) => r.body?.cancel())
      return { clerk: res.headers.get('x-clerk'), result: answer.result }
    },
    /**
     * tools/call with a progress token. `on.headers(clerk)` when the answer starts, `on.event(e)` per
     * event ({id, message}). Resolves {result, clerk, lastEventId}; a cut stream rejects with
     * StreamCut (carrying lastEventId), an HTTP error with McpHttpError.
     */
    async call(name, args, on = {}) {
      const id = nextId++
      const res = await post({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: { progressToken: `p${id}` } } })
      if (!res.ok) throw new McpHttpError(res.status, await res.text())
      const clerk = res.headers.get('x-clerk')
      on.headers?.(clerk)
      try {
        const answer = await readAnswer(res, id, on)
        return { result: answer.result, clerk, lastEventId: answer.lastEventId }
      } catch (err) {
        if (err instanceof StreamCut) err.requestId = id // what a resume waits for
        throw err
      }
    },
    /** GET with Last-Event-ID: the events of a cut stream that the client missed, from any clerk that can */
    async resume(requestId, lastEventId, on = {}) {
      const res = await fetch(url, { headers: headers({ accept: 'text/event-stream', 'last-event-id': lastEventId }), credentials: 'same-origin', cache: 'no-store' })
      if (!res.ok) throw new McpHttpError(res.status, await res.text())
      const clerk = res.headers.get('x-clerk')
      on.headers?.(clerk)
      const answer = await readAnswer(res, requestId, on, lastEventId)
      return { result: answer.result, clerk, lastEventId: answer.lastEventId }
    },
    /** a request the server must know the session for (tools/list): true when it answers 404 */
    async isGone() {
      const res = await post({ jsonrpc: '2.0', id: nextId++, method: 'tools/list' })
      await res.body?.cancel()
      return res.status === 404
    },
  }
}

export class McpHttpError extends Error {
  constructor(status, text) {
    super(`${status} ${rpcMessage(text)}`)
    this.status = status
  }
}

export class StreamCut extends Error {
  constructor(lastEventId) {
    super('the stream was cut before its answer')
    this.lastEventId = lastEventId
    this.requestId = null
  }
}

function rpcMessage(text) {
  try {
    return JSON.parse(text)?.error?.message ?? text.slice(0, 120)
  } catch {
    return text.slice(0, 120)
  }
}

/** the JSON-RPC answer to request `id`, from a JSON body or from an event stream read event by event */
async function readAnswer(res, id, on, lastEventId = null) {
  if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    const body = await res.json()
    if (body.error) throw new Error(body.error.message)
    return { result: body.result, lastEventId }
  }
  const reader = res.body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let last = lastEventId
  for (;;) {
    let chunk
    try {
      chunk = await withTimeout(reader.read())
    } catch {
      throw new StreamCut(last)
    }
    if (chunk.done) throw new StreamCut(last)
    buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n/g, '\n')
    let end
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = parseEvent(buffer.slice(0, end))
      buffer = buffer.slice(end + 2)
      if (event.id) last = event.id
      if (event.data === undefined) continue
      let message
      try {
        message = JSON.parse(event.data)
      } catch {
        continue // the priming event has an id and no JSON
      }
      on.event?.({ id: event.id, message })
      if (message.id === id && (message.result !== undefined || message.error !== undefined)) {
        void reader.cancel().catch(() => {})
        if (message.error) throw new Error(message.error.message)
        return { result: message.result, lastEventId: last }
      }
    }
  }
}

function parseEvent(block) {
  const event = {}
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const field = line.slice(0, colon)
    const value = line.slice(colon + 1).replace(/^ /, '')
    if (field === 'id') event.id = value
    else if (field === 'data') event.data = event.data === undefined ? value : `${event.data}\n${value}`
  }
  return event
}

function withTimeout(promise) {
  let timer
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), TIMEOUT_MS)))]).finally(() => clearTimeout(timer))
}
