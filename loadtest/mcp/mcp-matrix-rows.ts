import type { MatrixRow } from '../run/run-matrix.js'

/**
 * The matrix's MCP rows (`npm run loadtest:matrix -- --mcp`): the three designs again with MCP
 * customers under the same chaos. `sticky` becomes the `mcp-session` affinity for MCP clients
 * (mcp-policy.ts); stateful behind plain round-robin is left out, since the SDK client's second
 * request already fails there (docs/mcp.md): its row would be all session_lost.
 */
export const MCP_MATRIX_ROWS: readonly (MatrixRow & { protocol: 'mcp' })[] = Object.freeze([
  { label: 'stateful + mcp-session', mode: 'stateful', policy: 'sticky', protocol: 'mcp' },
  { label: 'stateless', mode: 'stateless', policy: 'round-robin', protocol: 'mcp' },
  { label: 'shared (Redis, resumable)', mode: 'shared', policy: 'round-robin', protocol: 'mcp' },
])
