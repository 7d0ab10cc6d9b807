import net from 'node:net'
import { listenArgs } from './ladder-args.js'

/**
 * Rung a, the floor: each customer connection is paired with one clerk connection (round robin),
 * bytes copied chunk for chunk both ways. No parsing, no features: what node:net costs alone.
 *
 *   node a-pipe.js <port> <host:port of a clerk>…
 */

const { port, clerks } = listenArgs()
let turn = 0
net
  .createServer({ noDelay: true }, (customer) => {
    const clerk = clerks[turn++ % clerks.length] as { host: string; port: number }
    const upstream = net.connect({ ...clerk, noDelay: true })
    customer.on('data', (d: Buffer) => upstream.write(d))
    upstream.on('data', (d: Buffer) => customer.write(d))
    customer.on('error', () => upstream.destroy())
    upstream.on('error', () => customer.destroy())
    customer.on('close', () => upstream.destroy())
    upstream.on('close', () => customer.destroy())
  })
  .listen(port, '127.0.0.1', () => process.stdout.write('up\n'))
