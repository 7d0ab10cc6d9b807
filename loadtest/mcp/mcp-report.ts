import type { McpRunCounts } from './mcp-load.js'

/** the lines an MCP run adds under the HTTP run's text (report/text.ts): what only MCP has */
export function renderMcpCounts(mcp: McpRunCounts): string {
  return [
    `  MCP: ${mcp.sessionLost} session(s) lost (404 Session not found → initialized again; counted as context_lost above)`,
    `       ${mcp.streamsResumed} cut pay stream(s) recovered (resumed with Last-Event-ID, or sent again), ${mcp.progressNot123} pay(s) whose progress was not 1, 2, 3`,
  ].join('\n')
}
