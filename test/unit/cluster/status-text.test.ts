import { describe, expect, it } from 'vitest'
import { formatStatus } from '../../../services/cluster/status-text.js'

describe("the chaos command's status table", () => {
  it('shows pids, ports and the redacted URL from the full status', () => {
    const text = formatStatus({
      processes: [{ id: 'clerk-a', kind: 'clerk', pid: 10, port: 8081, state: 'running', restarts: 0, slowMs: 25 }],
      redis: { state: 'running', url: 'redis://:***@10.0.0.5:6379', managed: false, pid: null },
    })
    expect(text).toMatch(/clerk-a\s+clerk\s+10\s+8081\s+running\s+0\s+25/)
    expect(text).toMatch(/redis\s+external\s+-\s+redis:\/\/:\*\*\*@10\.0\.0\.5:6379\s+running/)
  })

  it('shows dashes where the status without the token has no pid, port or URL', () => {
    const text = formatStatus({
      processes: [{ id: 'clerk-a', kind: 'clerk', state: 'dead', restarts: 1, slowMs: 0 }],
      redis: { state: 'running', managed: true },
    })
    expect(text).toMatch(/clerk-a\s+clerk\s+-\s+-\s+dead\s+1\s+0/)
    expect(text).toMatch(/redis\s+private\s+-\s+-\s+running/)
  })
})
