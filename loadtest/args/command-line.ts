/**
 * What every load-test command (loadtest, loadtest:matrix, loadtest:scale, bench:clerk,
 * bench:proxy) does around its work: read the arguments (a bad option is said in one line and
 * exits 2, --help prints the usage and exits 0), and, when the file is the script node was started
 * with, run `main` and turn its result into the exit code (an unexpected error: its stack and 1;
 * one of ours: its sentence and 1).
 *
 * @example
 *   export async function main(argv: readonly string[]): Promise<number> {
 *     const options = readCommandLine('loadtest:scale', argv, parseScaleArguments, scaleUsage)
 *     if (typeof options === 'number') return options
 *     …
 *   }
 *   runIfMain(import.meta.url, 'loadtest:scale', main)
 */
import { isMain } from '../../services/common/is-main.js'
import { isLoadtestError } from '../errors.js'

/** the options, or the exit code when there is nothing to run (bad option: 2, --help: 0) */
export function readCommandLine<T extends { readonly help?: boolean }>(command: string, argv: readonly string[], parse: (argv: readonly string[]) => T, usage: string): T | number {
  let options: T
  try {
    options = parse(argv)
  } catch (err) {
    if (!isLoadtestError(err)) throw err
    process.stderr.write(`${command}: ${err.message}\n`)
    return 2
  }
  if (options.help) {
    process.stdout.write(usage)
    return 0
  }
  return options
}

/** runs `main(process.argv.slice(2))` and exits with its code, when `moduleUrl` is the entry script */
export function runIfMain(moduleUrl: string, command: string, main: (argv: readonly string[]) => Promise<number>): void {
  if (!isMain(moduleUrl)) return
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${command}: ${isLoadtestError(err) ? err.message : ((err as Error).stack ?? String(err))}\n`)
      process.exit(1)
    },
  )
}
