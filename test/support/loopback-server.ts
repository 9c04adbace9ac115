// Starts a test server on 127.0.0.1 (a free port) and closes it with every open socket, so a hanging
// request never keeps a test run alive.
import type http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export async function listenOnLoopback(server: http.Server): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
