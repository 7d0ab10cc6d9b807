import type { WorkshopTarget } from '../target.js'

/** What a self-check gets: the cluster, and the options the learner gave (`--json FILE`, `--predicted 80`). */
export interface CheckContext {
  readonly target: WorkshopTarget
  readonly args: Readonly<Record<string, string>>
}

/** orders older than this are an earlier session's, not this exercise's */
export const RECENT_MINUTES = 30

export const percent = (share: number): string => `${(share * 100).toFixed(0)}%`
