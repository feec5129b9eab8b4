/**
 * An SMTP sink for benchmarks, run as its own process: accepts every message and throws it
 * away. Prints "listening <port>" when ready. Two ways to play a real relay:
 *   --admit-per-second N  admits N messages a second (a token bucket holding one second's worth)
 *                         and answers the others `454 Throttling failure`, as Amazon SES does;
 *   --reply-delay-ms N    every reply reaches the client N ms late: a relay far away (a proxy in
 *                         front of the sink delays what the sink writes; see startDelayingProxy).
 */
import net, { type AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { SMTPServer } from 'smtp-server';

const { values } = parseArgs({
  options: {
    'admit-per-second': { type: 'string', default: '0' },
    'reply-delay-ms': { type: 'string', default: '0' },
  },
});
const admitPerSecond = Number(values['admit-per-second']);
const replyDelayMs = Number(values['reply-delay-ms']);

const bucket = { tokens: admitPerSecond, at: Date.now() };
function admitted(): boolean {
  if (admitPerSecond <= 0) return true;
  const now = Date.now();
  bucket.tokens = Math.min(admitPerSecond, bucket.tokens + ((now - bucket.at) / 1000) * admitPerSecond);
  bucket.at = now;
  if (bucket.tokens < 1) return false;
  bucket.tokens--;
  return true;
}

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  size: 50 * 1024 * 1024,
  onData(stream, _session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      if (admitted()) callback(null);
      else
        callback(
          Object.assign(new Error('Throttling failure: Maximum sending rate exceeded.'), {
            responseCode: 454,
          }),
        );
    });
  },
});
server.on('error', () => undefined);
// as a relay's MTA does: a pipelined reply written in pieces goes out at once, not after an ACK
server.server.on('connection', (socket: net.Socket) => socket.setNoDelay(true));

/**
 * A TCP proxy in front of the sink holding back everything the sink writes by `delayMs`, in
 * order. No-delay on both sockets: with Nagle's algorithm a pipelined reply's second write would
 * wait for a delayed ACK and look like one more round trip. Written here rather than taken from a
 * library: it is a dozen lines, and those libraries add latency per connection, not per reply.
 */
function startDelayingProxy(targetPort: number, delayMs: number): net.Server {
  return net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    for (const socket of [client, upstream]) socket.on('error', () => undefined);
    client.pipe(upstream);
    upstream.on('data', (chunk) => {
      setTimeout(() => {
        if (!client.destroyed) client.write(chunk);
      }, delayMs);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => setTimeout(() => client.destroy(), delayMs));
  });
}

server.listen(0, '127.0.0.1', () => {
  const sinkPort = (server.server.address() as AddressInfo).port;
  if (replyDelayMs <= 0) {
    console.log(`listening ${sinkPort}`);
    return;
  }
  const proxy = startDelayingProxy(sinkPort, replyDelayMs);
  proxy.listen(0, '127.0.0.1', () => console.log(`listening ${(proxy.address() as AddressInfo).port}`));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
