import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { projectRoot } from '../../../services/common/project-root.js'
import {
  AFFINITIES,
  BALANCERS,
  CHAOS_VERBS,
  CLERK_VERBS,
  DEFAULT_POLICIES,
  MODES,
  POLICY_NAMES,
  POLICY_PARTS,
  PROCESS_STATES,
  REDIS_CHAOS,
  REDIS_VERBS,
  ROUTES,
  STEPS,
  isClerkVerb,
  isMode,
  isPolicyName,
  isRedisVerb,
  isRouteKey,
  isStep,
} from '../../../services/common/vocabulary.js'

const root = projectRoot(import.meta.url)
const VOCABULARY = 'services/common/vocabulary.ts'

describe('the vocabulary', () => {
  it('guards each list, and nothing else', () => {
    expect(MODES.every(isMode) && STEPS.every(isStep) && ROUTES.every(isRouteKey)).toBe(true)
    expect(POLICY_NAMES.every(isPolicyName) && CLERK_VERBS.every(isClerkVerb) && REDIS_VERBS.every(isRedisVerb)).toBe(true)
    for (const guard of [isMode, isStep, isRouteKey, isPolicyName, isClerkVerb, isRedisVerb]) {
      for (const value of ['', 'Stateful', 'toString', '__proto__', undefined, 1, ['ask']]) expect(guard(value)).toBe(false)
    }
  })

  it('routes the three modes and /orders; every route has a default policy, every policy an affinity and a balancer', () => {
    expect(ROUTES).toEqual([...MODES, 'orders'])
    expect(Object.keys(DEFAULT_POLICIES).sort()).toEqual([...ROUTES].sort())
    expect(Object.values(DEFAULT_POLICIES).every(isPolicyName)).toBe(true)
    expect(Object.keys(POLICY_PARTS).sort()).toEqual([...POLICY_NAMES].sort())
    for (const { affinity, balancer } of Object.values(POLICY_PARTS)) {
      expect(AFFINITIES).toContain(affinity)
      expect(BALANCERS).toContain(balancer)
    }
    expect(POLICY_PARTS.sticky).toEqual({ affinity: 'cookie', balancer: 'round-robin' })
  })

  it('says what each chaos verb does, and in which process states the launcher carries it out', () => {
    expect(CLERK_VERBS).toEqual(['kill', 'terminate', 'pause', 'resume', 'revive', 'slow', 'remove'])
    expect(REDIS_VERBS).toEqual(['stop', 'start', 'kill'])
    for (const verb of CLERK_VERBS) {
      expect(CHAOS_VERBS[verb].does.length).toBeGreaterThan(10)
      expect(CHAOS_VERBS[verb].when.length).toBeGreaterThan(0)
      for (const state of CHAOS_VERBS[verb].when) expect(PROCESS_STATES).toContain(state)
    }
    for (const verb of REDIS_VERBS) expect(REDIS_CHAOS[verb].length).toBeGreaterThan(10)
  })

  it('is frozen: no part can change a list for the others', () => {
    for (const list of [MODES, STEPS, ROUTES, POLICY_NAMES, CLERK_VERBS, REDIS_VERBS, CHAOS_VERBS, DEFAULT_POLICIES, POLICY_PARTS]) {
      expect(Object.isFrozen(list)).toBe(true)
    }
  })
})

// A second copy of a list is a literal array, or a union type, that holds every word of it:
// `['stateful', 'stateless', 'shared']`, `'ask' | 'buy' | 'pay'`. Subsets are rules, not copies
// (the steps that may follow `ask`, the verbs a paused clerk takes), and stay allowed.
const LISTS: Record<string, readonly string[]> = {
  MODES,
  STEPS,
  BALANCERS,
  POLICY_NAMES,
  PROCESS_STATES,
  CLERK_VERBS,
  REDIS_VERBS,
}
const ARRAY_OF_STRINGS = /\[\s*(?:(['"])[^'"\n]*\1\s*,\s*)+(['"])[^'"\n]*\2\s*,?\s*\]/g
const UNION_OF_STRINGS = /(?:(['"])[^'"\n]*\1\s*\|\s*)+(['"])[^'"\n]*\2/g

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...sourceFiles(path))
    else if (/\.(ts|js)$/.test(entry.name)) out.push(path)
  }
  return out
}

/** the code of a file without its comments (a comment may quote a list) */
function code(path: string): string {
  return readFileSync(join(root, path), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
}

export function copiesOfLists(path: string, text: string): string[] {
  const found: string[] = []
  for (const pattern of [ARRAY_OF_STRINGS, UNION_OF_STRINGS]) {
    for (const match of text.matchAll(pattern)) {
      const words = new Set([...match[0].matchAll(/(['"])([^'"\n]*)\1/g)].map((m) => m[2]))
      for (const [name, list] of Object.entries(LISTS)) {
        if (list.every((word) => words.has(word))) found.push(`${path}: ${match[0].replace(/\s+/g, ' ')} copies ${name}`)
      }
    }
  }
  return found
}

describe('one copy of each list', () => {
  it('finds a copy when there is one (the check can fail)', () => {
    expect(copiesOfLists('x.ts', "const modes = ['shared', 'stateful',\n 'stateless'] as const")).toHaveLength(1)
    expect(copiesOfLists('x.ts', "type Step = 'ask' | 'buy' | 'pay'")).toHaveLength(1)
    expect(copiesOfLists('x.ts', "const next = ['ask', 'buy']")).toEqual([])
  })

  it('has no list of the vocabulary written again in services/, proxy/ (dashboard included) or loadtest/', () => {
    const files = ['services', 'proxy', 'loadtest'].flatMap(sourceFiles).filter((path) => relative('.', path) !== VOCABULARY)
    expect(files.length).toBeGreaterThan(50)
    expect(files.flatMap((path) => copiesOfLists(path, code(path)))).toEqual([])
  })

  it('is what the dashboard imports (the proxy serves it as /dashboard/vocabulary.js)', () => {
    for (const page of ['app.js', 'cluster-cards.js', 'dialogue-column.js']) {
      expect(code(join('proxy/dashboard/static', page))).toMatch(/^import \{[^}]+\} from '\.\/vocabulary\.js'$/m)
    }
  })
})
