import { LLHTTP as constants, instantiateLlhttp, type LlhttpExports } from '../../../proxy/forward/engines/llhttp-wasm.js'

/**
 * The smuggling test's reader of what a proxy answered (it was the net engine's answer parser,
 * before that engine moved onto the fast path's clerk lines, which read answers by offsets):
 * llhttp (the parser Node and undici use) as undici ships it, compiled to WebAssembly, driven
 * for answers. No HTTP parsing of our own: llhttp finds the message boundaries
 * (Content-Length, chunked, until close), refuses what is ambiguous (CL with TE, two different
 * lengths, obs-fold, bare LF, control bytes, oversize chunk sizes: its strict mode, no lenient
 * flag set) and hands us the status, the header lines and the body bytes.
 *
 * One WebAssembly instance per process, one llhttp parser (a pointer into its memory) per
 * connection. llhttp calls back into JavaScript with the parser's pointer; as undici does, the
 * parser being executed is kept in a module variable (`current`), since only one runs at a time.
 */

/** what a parser owner is told, in order, for each message */
export interface ResponseEvents {
  /** a new answer begins; return false to refuse it (no attempt is waiting for one) */
  messageBegin(): boolean
  /** status line and header lines read; return 0 to read the body, 1 to skip it (HEAD, 1xx), -1 to fail */
  headersComplete(statusCode: number, headers: string[], shouldKeepAlive: boolean, upgrade: boolean): number
  body(chunk: Buffer): void
  /** return false to stop parsing (the connection is closed) */
  messageComplete(): boolean
}

/** llhttp's error numbers by name, and back (HPE_<NAME>, as node reports them) */
const ERROR_NAME = new Map(Object.entries(constants.ERROR).map(([name, n]) => [n, `HPE_${name}`]))
const OK = constants.ERROR.OK as number
const PAUSED = constants.ERROR.PAUSED as number
/** bytes of status line and headers an answer may have (node's default max header size is 16 KiB) */
const MAX_HEADER_BYTES = 64 * 1024 // 64 KiB

export class ParseError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'ParseError'
  }
}

let current: ResponseParser | undefined
let currentChunk: Buffer | undefined
let currentChunkPtr = 0

function view(at: number, len: number): Buffer {
  const chunk = currentChunk as Buffer
  return chunk.subarray(at - currentChunkPtr, at - currentChunkPtr + len)
}

let wasm: LlhttpExports | undefined
let bufferPtr = 0
let bufferSize = 0

function instance(): LlhttpExports {
  if (wasm !== undefined) return wasm
  const env = {
    wasm_on_url: () => 0,
    wasm_on_status: () => 0,
    wasm_on_message_begin: () => (current as ResponseParser).onMessageBegin(),
    wasm_on_header_field: (_p: number, at: number, len: number) => (current as ResponseParser).onHeaderField(view(at, len)),
    wasm_on_header_value: (_p: number, at: number, len: number) => (current as ResponseParser).onHeaderValue(view(at, len)),
    wasm_on_headers_complete: (_p: number, statusCode: number, upgrade: number, keepAlive: number) =>
      (current as ResponseParser).onHeadersComplete(statusCode, upgrade === 1, keepAlive === 1),
    wasm_on_body: (_p: number, at: number, len: number) => (current as ResponseParser).onBody(view(at, len)),
    wasm_on_message_complete: () => (current as ResponseParser).onMessageComplete(),
  }
  wasm = instantiateLlhttp(env)
  return wasm
}

/** One llhttp parser for the answers on one connection to a clerk. */
export class ResponseParser {
  private readonly llhttp = instance()
  private ptr: number
  private headers: string[] = []
  /** the last callback was a header value (a new field starts a new pair) */
  private inValue = false
  private headerBytes = 0
  /** set when a callback stopped the parser with an error of ours */
  private failure: ParseError | undefined

  constructor(private readonly events: ResponseEvents) {
    this.ptr = this.llhttp.llhttp_alloc(constants.TYPE.RESPONSE)
  }

  /** parses a chunk read from the clerk; throws ParseError on anything that is not valid HTTP */
  execute(chunk: Buffer): void {
    const llhttp = this.llhttp
    if (chunk.length > bufferSize) {
      if (bufferPtr !== 0) llhttp.free(bufferPtr)
      bufferSize = Math.ceil(chunk.length / 4096) * 4096
      bufferPtr = llhttp.malloc(bufferSize)
    }
    new Uint8Array(llhttp.memory.buffer, bufferPtr, chunk.length).set(chunk)
    let ret: number
    try {
      // eslint-disable-next-line @typescript-eslint/no-this-alias -- llhttp calls back with a pointer; this is who it means
      current = this
      currentChunk = chunk
      currentChunkPtr = bufferPtr
      ret = llhttp.llhttp_execute(this.ptr, bufferPtr, chunk.length)
    } finally {
      current = undefined
      currentChunk = undefined
    }
    // PAUSED: messageComplete() said the connection is done; its owner closes it
    if (ret === OK || ret === PAUSED) return
    throw this.failure ?? this.error(ret)
  }

  /** the clerk closed its side: ends an answer framed by the close, or says one was cut short */
  finish(): void {
    let ret: number
    try {
      // eslint-disable-next-line @typescript-eslint/no-this-alias -- llhttp calls back with a pointer; this is who it means
      current = this
      ret = this.llhttp.llhttp_finish(this.ptr)
    } finally {
      current = undefined
    }
    if (ret !== OK && ret !== PAUSED) throw this.failure ?? this.error(ret)
  }

  destroy(): void {
    if (this.ptr === 0) return
    this.llhttp.llhttp_free(this.ptr)
    this.ptr = 0
  }

  private error(ret: number): ParseError {
    const reasonPtr = this.llhttp.llhttp_get_error_reason(this.ptr)
    let reason = ''
    if (reasonPtr !== 0) {
      const bytes = new Uint8Array(this.llhttp.memory.buffer, reasonPtr)
      reason = Buffer.from(bytes.buffer, reasonPtr, bytes.indexOf(0)).toString('latin1')
    }
    return new ParseError(ERROR_NAME.get(ret) ?? 'HPE_UNKNOWN', `the answer is not valid HTTP/1.1 (${reason})`)
  }

  private fail(code: string, message: string): number {
    this.failure = new ParseError(code, message)
    return -1
  }

  // llhttp's callbacks: 0 to go on, -1 to stop with an error

  onMessageBegin(): number {
    this.headers = []
    this.inValue = false
    this.headerBytes = 0
    return this.events.messageBegin() ? 0 : this.fail('HPE_UNEXPECTED_ANSWER', 'the clerk sent an answer nobody asked for')
  }

  onHeaderField(buf: Buffer): number {
    if ((this.headerBytes += buf.length) > MAX_HEADER_BYTES) return this.fail('HPE_HEADER_OVERFLOW', 'the answer has too many header bytes')
    const text = buf.toString('latin1')
    const n = this.headers.length
    if (this.inValue || n === 0) {
      this.headers.push(text, '')
      this.inValue = false
    } else this.headers[n - 2] += text // a field split across two reads
    return 0
  }

  onHeaderValue(buf: Buffer): number {
    if ((this.headerBytes += buf.length) > MAX_HEADER_BYTES) return this.fail('HPE_HEADER_OVERFLOW', 'the answer has too many header bytes')
    this.headers[this.headers.length - 1] += buf.toString('latin1')
    this.inValue = true
    return 0
  }

  onHeadersComplete(statusCode: number, upgrade: boolean, keepAlive: boolean): number {
    const headers = this.headers
    this.headers = []
    const ret = this.events.headersComplete(statusCode, headers, keepAlive, upgrade)
    return ret === -1 ? this.fail('HPE_UNEXPECTED_ANSWER', `the clerk answered ${statusCode} where no such answer can come`) : ret
  }

  onBody(buf: Buffer): number {
    this.events.body(buf)
    return 0
  }

  onMessageComplete(): number {
    return this.events.messageComplete() ? 0 : PAUSED
  }
}
