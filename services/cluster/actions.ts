/** The chaos verbs the launcher carries out, in one list for the API, the CLI and the tests. */
export const CLERK_ACTIONS = ['kill', 'terminate', 'pause', 'resume', 'revive', 'slow'] as const
export const REDIS_ACTIONS = ['stop', 'start', 'kill'] as const
export type ClerkAction = (typeof CLERK_ACTIONS)[number]
export type RedisAction = (typeof REDIS_ACTIONS)[number]
