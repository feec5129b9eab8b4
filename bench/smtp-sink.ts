/**
 * An SMTP sink for benchmarks, run as its own process: accepts every message and throws it
 * away. Prints "listening <port>" when ready.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  size: 50 * 1024 * 1024,
  onData(stream, _session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => callback(null));
  },
});
server.on('error', () => undefined);
server.listen(0, '127.0.0.1', () => {
  console.log(`listening ${(server.server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
