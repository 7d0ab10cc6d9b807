import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js'

/** The SDK's own client (nobody here wrote it) on `url`, e.g. http://127.0.0.1:PORT/shared/mcp. */
export async function connectMcp(url: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport; errors: Error[] }> {
  const client = new Client({ name: 'clerk-cluster-test', version: '1.0.0' })
  const transport = new StreamableHTTPClientTransport(new URL(url))
  const errors: Error[] = []
  client.onerror = (err) => errors.push(err)
  await client.connect(transport)
  return { client, transport, errors }
}

export interface CalledTool {
  result: CallToolResult
  structured: Record<string, unknown>
  progress: Progress[]
}

/** calls a tool, collecting its progress notifications */
export async function callTool(client: Client, name: string, args: Record<string, unknown>, onProgress?: (p: Progress) => void): Promise<CalledTool> {
  const progress: Progress[] = []
  const result = (await client.callTool({ name, arguments: args }, undefined, {
    onprogress: (p) => {
      progress.push(p)
      onProgress?.(p)
    },
    timeout: 20_000, // 20 s: a kill and a resume take a second or two
  })) as CallToolResult
  return { result, structured: result.structuredContent ?? {}, progress }
}
