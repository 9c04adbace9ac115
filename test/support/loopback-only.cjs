// Preloaded into every test process (package.json "test"): connections may go to this machine only.
// Any attempt to reach another host fails at once and is reported on stderr (once per host and test file), so a
// test can never send traffic off the machine, even by accident (e.g. a fixture's fhirServer).
const net = require('node:net');
const dns = require('node:dns');

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/i;

// Each host is reported once per test file: fixtures name an EHR (ehr.example.org) that optional prefetch reads
// try on every call, and one line says it as well as two hundred.
const reported = new Set();

function blocked(host) {
  if (!reported.has(host)) {
    reported.add(host);
    process.stderr.write(`loopback-only: blocked connections to ${host} (reported once per test file)\n`);
  }
  const error = new Error(`loopback-only: ${host} is not on this machine`);
  error.code = 'ECONNREFUSED';
  return error;
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function patchedConnect(...args) {
  const options = typeof args[0] === 'object' && args[0] !== null ? args[0] : { port: args[0], host: args[1] };
  const host = options.path ? 'localhost' : (options.host ?? 'localhost');
  if (!LOOPBACK.test(String(host))) {
    const error = blocked(host);
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return connect.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function patchedLookup(hostname, options, callback) {
  const cb = typeof options === 'function' ? options : callback;
  if (!LOOPBACK.test(String(hostname))) {
    process.nextTick(() => cb(blocked(hostname)));
    return {};
  }
  return lookup.call(this, hostname, options, callback);
};
