import { createRequire } from 'node:module'

/**
 * llhttp, the parser Node and undici use, as undici ships it: compiled to WebAssembly (the SIMD
 * build where the machine runs it, else the plain one). One place that knows how to load it and
 * what it exports; its owners give the callbacks (`env`) and keep one instance per process: the
 * fast path's offset parser (proxy/fast/offset-parser.ts, every request and answer it reads) and
 * the smuggling test's answer reader (test/integration/proxy/llhttp-answer-reader.ts).
 */

// undici has no `exports` map: its files are reachable by path. Pinned by package-lock.
const require = createRequire(import.meta.url)

/** llhttp's constants: error numbers by name (HPE_<NAME>), parser types, methods */
export const LLHTTP = require('undici/lib/llhttp/constants.js') as {
  ERROR: Record<string, number>
  TYPE: { REQUEST: number; RESPONSE: number }
}

/** what llhttp calls back with: the parser's pointer first, then positions in WebAssembly memory */
export interface LlhttpCallbacks {
  wasm_on_message_begin(p: number): number
  wasm_on_url(p: number, at: number, len: number): number
  wasm_on_status(p: number, at: number, len: number): number
  wasm_on_header_field(p: number, at: number, len: number): number
  wasm_on_header_value(p: number, at: number, len: number): number
  wasm_on_headers_complete(p: number, statusCode: number, upgrade: number, keepAlive: number): number
  wasm_on_body(p: number, at: number, len: number): number
  wasm_on_message_complete(p: number): number
}

/** the functions of llhttp's WebAssembly build that its owners call */
export interface LlhttpExports {
  memory: { buffer: ArrayBuffer }
  llhttp_alloc(type: number): number
  llhttp_free(ptr: number): void
  llhttp_execute(ptr: number, data: number, len: number): number
  llhttp_finish(ptr: number): number
  llhttp_resume(ptr: number): void
  llhttp_reset(ptr: number): void
  llhttp_get_error_reason(ptr: number): number
  llhttp_get_error_pos(ptr: number): number
  llhttp_get_method(ptr: number): number
  llhttp_get_http_major(ptr: number): number
  llhttp_get_http_minor(ptr: number): number
  llhttp_message_needs_eof(ptr: number): number
  malloc(size: number): number
  free(ptr: number): void
}

/** the little of the WebAssembly API used here (the project's TypeScript lib has no WebAssembly types) */
interface Wasm {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: unknown }
}
const WebAssembly = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly

/** a new instance of llhttp whose callbacks are `env` (each owner makes one per process) */
export function instantiateLlhttp(env: LlhttpCallbacks): LlhttpExports {
  let module: object
  try {
    module = new WebAssembly.Module(require('undici/lib/llhttp/llhttp_simd-wasm.js') as Buffer)
  } catch {
    module = new WebAssembly.Module(require('undici/lib/llhttp/llhttp-wasm.js') as Buffer)
  }
  return new WebAssembly.Instance(module, { env }).exports as LlhttpExports
}
