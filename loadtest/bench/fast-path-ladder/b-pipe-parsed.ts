import net from 'node:net'
import { listenArgs } from './ladder-args.js'
import { OK, OffsetParser, REQUEST, type OffsetHandler } from '../../../proxy/fast/offset-parser.js'

/**
 * Rung b: the pipe (a) + every customer chunk parsed by llhttp (undici's WebAssembly build,
 * request mode, strict) before it is forwarded unchanged. A chunk llhttp refuses gets a 400 and
 * the connection closes. What strict request parsing costs by itself: the copy into WebAssembly
 * memory and the callbacks (all of them no-ops here).
 */

const BAD_REQUEST = Buffer.from('HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 24\r\nconnection: close\r\n\r\n{"error":"bad_request"}\n')

const NOTHING: OffsetHandler = {
  onMessageBegin: () => 0,
  onUrl: () => 0,
  onHeaderField: () => 0,
  onHeaderValue: () => 0,
  onHeadersComplete: () => 0,
  onBody: () => 0,
  onMessageComplete: () => 0,
}

const { port, clerks } = listenArgs()
let turn = 0
net
  .createServer({ noDelay: true }, (customer) => {
    const clerk = clerks[turn++ % clerks.length] as { host: string; port: number }
    const upstream = net.connect({ ...clerk, noDelay: true })
    const parser = new OffsetParser(REQUEST, NOTHING)
    customer.on('data', (d: Buffer) => {
      parser.load(d)
      if (parser.run(0) === OK) upstream.write(d)
      else {
        customer.end(BAD_REQUEST)
        upstream.destroy()
      }
    })
    upstream.on('data', (d: Buffer) => customer.write(d))
    customer.on('error', () => upstream.destroy())
    upstream.on('error', () => customer.destroy())
    customer.on('close', () => {
      upstream.destroy()
      parser.destroy()
    })
    upstream.on('close', () => customer.destroy())
  })
  .listen(port, '127.0.0.1', () => process.stdout.write('up\n'))
