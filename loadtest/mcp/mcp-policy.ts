import type { AcceptedPolicyName } from '../../proxy/balance/policy.js'
import type { PolicyName } from '../../services/common/vocabulary.js'

/**
 * The route policy an MCP run asks for, given the HTTP run's --policy: an MCP client carries no
 * cookie, so the cookie's affinity (`sticky`) becomes the session id's (`mcp-session`, which pins
 * on Mcp-Session-Id, docs/mcp.md); every other policy means the same for both protocols.
 */
export function mcpPolicy(policy: PolicyName): AcceptedPolicyName {
  return policy === 'sticky' ? 'mcp-session+round-robin' : policy
}
