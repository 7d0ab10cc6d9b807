import type { Mode } from '../common/vocabulary.js'
import type { DialogueState } from '../clerk/dialogue.js'

/**
 * Where an MCP mode keeps a dialogue, as services/clerk/modes/carrier.ts does for HTTP: the tools
 * run the same pure dialogue in every mode through this.
 *   stateful  — the MCP session's entry in this clerk's memory
 *   stateless — the signed `context` argument the previous tool result returned
 *   shared    — the MCP session's record in Redis
 */
export interface McpCarrier {
  readonly mode: Mode
  /** the state this tool call continues; throws a ClerkError when the carried state is bad */
  load(args: Readonly<Record<string, unknown>>): Promise<LoadedState> | LoadedState
  /** keeps `next`; returns fields to add to the result (stateless: the new context token) */
  save(next: DialogueState): Promise<{ context?: string }> | { context?: string }
}

export interface LoadedState {
  state: DialogueState
  /** why there is none: the same words as the HTTP carriers' */
  lostReason?: 'no_session' | 'session_unknown' | 'no_context'
}
