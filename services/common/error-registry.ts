import createError, { type FastifyErrorConstructor } from '@fastify/error'

/**
 * The one shape of an error registry, for every part of the cluster (the clerk, the proxy, the
 * launcher, the load test): a table of codes, each with the short name clients switch on, its
 * sentence (a @fastify/error template: `%s` takes the constructor's arguments) and its HTTP
 * status. Every error answer on the wire is built by `body()`, in one key order:
 *
 *   {"error":"context_lost","code":"CLERK_ERR_CONTEXT_LOST","statusCode":409,"message":"…", …extra}
 *
 * @example
 *   export const clerkErrors = defineErrors({
 *     CLERK_ERR_CONTEXT_LOST: ['context_lost', 'This clerk has no record of your dialogue.', 409],
 *     CLERK_ERR_INTERNAL: ['internal', 'Something went wrong inside this clerk.', 500],
 *   }, { internal: 'CLERK_ERR_INTERNAL' })
 *   throw new clerkErrors.errors.CLERK_ERR_CONTEXT_LOST()
 *   reply.send(clerkErrors.body(err, { clerk: 'clerk-a' }))
 */

/** one code's row: [short name, sentence (a template), HTTP status] */
export type ErrorRow = readonly [name: string, message: string, status: number]
export type ErrorTable = Readonly<Record<string, ErrorRow>>

/** what `body()` reads: an error of the registry, or anything with a code, a status and a message */
export interface ErrorLike {
  code: string
  statusCode?: number
  message: string
}

/** the JSON of every error answer: these four fields first, then the part's own (reason, clerk…) */
export interface ErrorBody {
  error: string
  code: string
  statusCode: number
  message: string
  reason?: string
  [extra: string]: unknown
}

export type ErrorConstructors<T extends ErrorTable> = {
  readonly [C in keyof T & string]: FastifyErrorConstructor<{ code: C; statusCode: T[C][2] }>
}

export interface ErrorRegistry<T extends ErrorTable> {
  /** the constructor of each code: `new registry.errors.PROXY_ERR_NOT_FOUND('No such clerk')` */
  readonly errors: ErrorConstructors<T>
  /** every code, in the table's order */
  readonly codes: readonly (keyof T & string)[]
  /** the short name of a code: CLERK_ERR_CONTEXT_LOST → context_lost */
  nameOf<C extends keyof T & string>(code: C): T[C][0]
  /** the code of a short name, or undefined when no code has it */
  codeOf(name: string): (keyof T & string) | undefined
  /** the HTTP status of a code */
  statusOf(code: keyof T & string): number
  /** true when `code` is one of this registry's codes */
  has(code: unknown): code is keyof T & string
  /** true when `err` is an Error carrying one of this registry's codes */
  owns(err: unknown): err is Error & { code: keyof T & string; statusCode: number }
  /** the wire body of `err`; a code of another registry is named as the `internal` code (500) */
  body(err: ErrorLike, extra?: Readonly<Record<string, unknown>>): ErrorBody
}

export interface DefineErrorsOptions<T extends ErrorTable> {
  /** the code whose name an unknown code is given in a body (default: the name "internal") */
  internal?: keyof T & string
}

export function defineErrors<const T extends ErrorTable>(table: T, options: DefineErrorsOptions<T> = {}): ErrorRegistry<T> {
  type Code = keyof T & string
  const codes = Object.freeze(Object.keys(table)) as readonly Code[]
  const errors = Object.freeze(Object.fromEntries(codes.map((code) => [code, createError(code, rowOf(code)[1], rowOf(code)[2])]))) as ErrorConstructors<T>
  const codeByName = new Map<string, Code>(codes.map((code) => [rowOf(code)[0], code]))
  const unknownName = options.internal === undefined ? 'internal' : rowOf(options.internal)[0]

  function rowOf(code: Code): ErrorRow {
    return table[code] as ErrorRow
  }
  function has(code: unknown): code is Code {
    return typeof code === 'string' && Object.hasOwn(table, code)
  }

  return Object.freeze({
    errors,
    codes,
    nameOf: <C extends Code>(code: C) => rowOf(code)[0] as T[C][0],
    codeOf: (name: string) => codeByName.get(name),
    statusOf: (code: Code) => rowOf(code)[2],
    has,
    owns: (err: unknown): err is Error & { code: Code; statusCode: number } => err instanceof Error && has((err as Error & { code?: unknown }).code),
    body(err: ErrorLike, extra: Readonly<Record<string, unknown>> = {}): ErrorBody {
      const error = has(err.code) ? rowOf(err.code)[0] : unknownName
      return { error, code: err.code, statusCode: err.statusCode ?? 500, message: err.message, ...extra }
    },
  })
}
