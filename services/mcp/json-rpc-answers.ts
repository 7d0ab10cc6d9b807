import type { ServerResponse } from 'node:http'

/**
 * The answers an MCP endpoint gives before any SDK transport is involved, in the shape the SDK's
 * own transport uses for them: an HTTP status and a JSON-RPC error with `id: null`.
 * -32001 "Session not found" is what the spec and the SDK answer with 404; a client then
 * initializes a new session.
 */
export const JSON_RPC = Object.freeze({
  sessionNotFound: { status: 404, code: -32001, message: 'Session not found' },
  sessionRequired: { status: 400, code: -32000, message: 'Bad Request: Mcp-Session-Id header is required' },
  methodNotAllowed: { status: 405, code: -32000, message: 'Method not allowed.' },
  badEventId: { status: 400, code: -32000, message: 'Bad Request: Last-Event-ID names no stream of this session' },
})

export interface JsonRpcAnswer {
  status: number
  code: number
  message: string
}

export function sendJsonRpcError(res: ServerResponse, answer: JsonRpcAnswer, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code: answer.code, message: answer.message }, id: null })
  res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers })
  res.end(body)
}
