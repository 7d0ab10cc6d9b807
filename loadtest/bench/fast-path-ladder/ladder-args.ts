/** The command line every rung takes: `<port> <host:port of a clerk>…` (the clerk ids are `clerk-<n>`). */
export interface LadderClerk {
  id: string
  host: string
  port: number
}

export function listenArgs(argv = process.argv.slice(2)): { port: number; clerks: LadderClerk[] } {
  // SIGTERM exits normally, so that a rung run with --cpu-prof writes its profile
  process.once('SIGTERM', () => process.exit(0))
  const [port, ...ups] = argv
  if (port === undefined || ups.length === 0) throw new Error('usage: <port> <host:port of a clerk>…')
  const clerks = ups.map((up, i) => {
    const [host, p] = up.split(':')
    return { id: `clerk-${i}`, host: host ?? '127.0.0.1', port: Number(p) }
  })
  return { port: Number(port), clerks }
}
