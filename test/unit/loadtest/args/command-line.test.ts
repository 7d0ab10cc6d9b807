import { describe, expect, it } from 'vitest'
import { readCommandLine } from '../../../../loadtest/args/command-line.js'
import { badOption } from '../../../../loadtest/errors.js'

describe('reading a command line', () => {
  const parse = (argv: readonly string[]) => {
    if (argv.includes('--bad')) throw badOption('--bad is not an option')
    if (argv.includes('--boom')) throw new Error('a bug')
    return { help: argv.includes('--help'), n: argv.length }
  }

  it('hands the options over, or an exit code: 2 for a bad option, 0 after --help', () => {
    expect(readCommandLine('cmd', ['x'], parse, 'usage\n')).toEqual({ help: false, n: 1 })
    expect(readCommandLine('cmd', ['--bad'], parse, 'usage\n')).toBe(2)
    expect(readCommandLine('cmd', ['--help'], parse, 'usage\n')).toBe(0)
  })

  it('lets an error that is not a bad option through', () => {
    expect(() => readCommandLine('cmd', ['--boom'], parse, 'usage\n')).toThrow('a bug')
  })
})
