import { LLHTTP as constants, instantiateLlhttp, type LlhttpExports } from '../forward/engines/llhttp-wasm.js'

/**
 * The fast path's parser (and the ladder's rungs b–e, loadtest/bench/fast-path-ladder/): llhttp as
 * undici ships it (WebAssembly), strict (no lenient flag), reporting positions instead of strings.
 * Every callback gets offsets into the buffer the owner loaded, so the proxy can splice byte
 * ranges without making a string or a Buffer view per header. Each parser has its own scratch area in WebAssembly memory, so a parser may be run while
 * another one is paused between runs (an answer completing may start the next queued request).
 *
 * To find where a message ends, a rung returns PAUSED from onMessageComplete: execute() stops
 * there and errorPos() is the message's end; resume() and run() again from it for the next one.
 */

export const OK = constants.ERROR.OK as number
export const PAUSED = constants.ERROR.PAUSED as number
/** llhttp's error numbers by name (HPE_<NAME>, as node reports them: failures.ts files them) */
const ERROR_NAME = new Map(Object.entries(constants.ERROR).map(([name, n]) => [n, `HPE_${name}`]))
export function errorCode(errno: number): string {
  return ERROR_NAME.get(errno) ?? 'HPE_UNKNOWN'
}
export const REQUEST = constants.TYPE.REQUEST
export const RESPONSE = constants.TYPE.RESPONSE
/** llhttp's method number for HEAD (its answer has no body) */
export const METHOD_HEAD = 2

/** what a parser's owner is told; offsets are into the buffer given to load(); 0 to go on, -1 to fail */
export interface OffsetHandler {
  onMessageBegin(): number
  onUrl(at: number, len: number): number
  onHeaderField(at: number, len: number): number
  onHeaderValue(at: number, len: number): number
  /** 0 read the body, 1 skip it (an answer to HEAD), -1 fail */
  onHeadersComplete(statusCode: number, upgrade: boolean, keepAlive: boolean): number
  onBody(at: number, len: number): number
  /** PAUSED to stop at the end of the message (errorPos() tells where) */
  onMessageComplete(): number
}

/** the parser being run and the WebAssembly address of byte 0 of its buffer */
let current: OffsetHandler | undefined
let base = 0

function instantiate(): LlhttpExports {
  const h = () => current as OffsetHandler
  const env = {
    wasm_on_message_begin: () => h().onMessageBegin(),
    wasm_on_url: (_p: number, at: number, len: number) => h().onUrl(at - base, len),
    wasm_on_status: () => 0,
    wasm_on_header_field: (_p: number, at: number, len: number) => h().onHeaderField(at - base, len),
    wasm_on_header_value: (_p: number, at: number, len: number) => h().onHeaderValue(at - base, len),
    wasm_on_headers_complete: (_p: number, statusCode: number, upgrade: number, keepAlive: number) => h().onHeadersComplete(statusCode, upgrade === 1, keepAlive === 1),
    wasm_on_body: (_p: number, at: number, len: number) => h().onBody(at - base, len),
    wasm_on_message_complete: () => h().onMessageComplete(),
  }
  return instantiateLlhttp(env)
}

const llhttp = instantiate()
/** a view of WebAssembly memory, made again when malloc grew (and so detached) the old one */
let memory = new Uint8Array(llhttp.memory.buffer)

export class OffsetParser {
  private readonly ptr: number
  private scratch = 0
  private scratchSize = 0
  private length = 0

  constructor(
    type: number,
    private readonly handler: OffsetHandler,
  ) {
    this.ptr = llhttp.llhttp_alloc(type)
  }

  /** copies `buf` into this parser's scratch area; run() then parses from an offset of it */
  load(buf: Buffer): void {
    if (buf.length > this.scratchSize) {
      if (this.scratch !== 0) llhttp.free(this.scratch)
      this.scratchSize = Math.ceil(buf.length / 4096) * 4096
      this.scratch = llhttp.malloc(this.scratchSize)
    }
    if (memory.byteLength === 0 || memory.buffer !== llhttp.memory.buffer) memory = new Uint8Array(llhttp.memory.buffer)
    memory.set(buf, this.scratch)
    this.length = buf.length
  }

  /** parses the loaded buffer from `from` to its end; llhttp's error number (OK, PAUSED, …) */
  run(from: number): number {
    current = this.handler
    base = this.scratch
    try {
      return llhttp.llhttp_execute(this.ptr, this.scratch + from, this.length - from)
    } finally {
      current = undefined
    }
  }

  /** where the parser stopped (PAUSED: the end of the message), as an offset into the loaded buffer */
  errorPos(): number {
    return llhttp.llhttp_get_error_pos(this.ptr) - this.scratch
  }

  resume(): void {
    llhttp.llhttp_resume(this.ptr)
  }

  /** back to the start of a message (the owner parses a partial message again, whole) */
  reset(): void {
    llhttp.llhttp_reset(this.ptr)
  }

  /** the peer closed: an answer framed by the close ends here (llhttp's error number) */
  finish(): number {
    current = this.handler
    base = this.scratch
    try {
      return llhttp.llhttp_finish(this.ptr)
    } finally {
      current = undefined
    }
  }

  /** llhttp's reason for the error it stopped at, for logs (never for a customer) */
  errorReason(): string {
    const at = llhttp.llhttp_get_error_reason(this.ptr)
    if (at === 0) return ''
    if (memory.byteLength === 0 || memory.buffer !== llhttp.memory.buffer) memory = new Uint8Array(llhttp.memory.buffer)
    const end = memory.indexOf(0, at)
    return Buffer.from(memory.buffer, at, end - at).toString('latin1')
  }

  method(): number {
    return llhttp.llhttp_get_method(this.ptr)
  }

  httpMajor(): number {
    return llhttp.llhttp_get_http_major(this.ptr)
  }

  httpMinor(): number {
    return llhttp.llhttp_get_http_minor(this.ptr)
  }

  destroy(): void {
    llhttp.llhttp_free(this.ptr)
    if (this.scratch !== 0) llhttp.free(this.scratch)
    this.scratch = 0
  }
}
