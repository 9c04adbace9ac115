// The never-answering FHIR server, on a worker thread of its own: accepting a thousand connections must not
// delay the bench's client (which times the calls) on the main thread, as it would on one shared event loop.
// Counts go back through a shared Int32Array: [accepted, requests, open, port].
import http from 'node:http';
import { workerData } from 'node:worker_threads';

const counts = new Int32Array(workerData.shared);
const server = http.createServer(() => {
  Atomics.add(counts, 1, 1);
});
server.requestTimeout = 0;
server.headersTimeout = 0;
server.on('connection', (socket) => {
  Atomics.add(counts, 0, 1);
  Atomics.add(counts, 2, 1);
  socket.on('close', () => Atomics.sub(counts, 2, 1));
});
server.listen(0, '127.0.0.1', () => {
  Atomics.store(counts, 3, server.address().port);
  Atomics.notify(counts, 3);
});
