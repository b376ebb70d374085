#!/usr/bin/env node
'use strict';
// A grpc-js client that runs the interop scenarios against an Echo server (tests/protos/echo.proto).
//
// Usage: node echo_client.js --target 127.0.0.1:PORT [--scenarios a,b,...] [--tag T]
//        node echo_client.js --target 127.0.0.1:PORT --count-stream N [--calls C]
// Prints one JSON line per scenario, with the same scenario names and fields as
// tests/peers/python/echo_client.py (see there). --count-stream is the benchmark mode: C
// concurrent ServerStream calls of N messages each, printing {"messages", "seconds", "msgs_per_s"}.
const { grpc, EchoClient, service, SERVICE } = require('./echo_proto');

const ASCII_VALUE = 'hello, metadata 123';
const BIN_VALUE = Buffer.concat([Buffer.from([0, 1, 2, 127, 128, 254, 255]), Buffer.from('é北', 'utf8')]);
const TRAILER_VALUE = 'trailer value';
const TRAILER_BIN_VALUE = Buffer.from([255, 0, 128, 10, 13]);
const FAIL_MESSAGE = 'Échec : base «Bunia» introuvable — 北 ✓ 100%';
const CALL_TIMEOUT_MS = 20000;
// --tag: appended to the messages of the deadline and cancel calls, so a test can find them in the server's log.
const TAG = argValue('--tag', '');

function argValue(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function echoMetadata() {
  const md = new grpc.Metadata();
  md.add('x-echo-ascii', ASCII_VALUE);
  md.add('x-echo-data-bin', BIN_VALUE);
  md.add('x-echo-note-trailer', TRAILER_VALUE);
  md.add('x-echo-blob-trailer-bin', TRAILER_BIN_VALUE);
  md.add('x-not-echoed', 'must not come back');
  return md;
}

function mdDict(md) {
  const out = {};
  if (!md) return out;
  for (const [key, value] of Object.entries(md.getMap())) {
    if (!key.startsWith('x-echo-') && !key.startsWith('x-not-')) continue;
    out[key] = Buffer.isBuffer(value) ? value.toString('base64') : value;
  }
  return out;
}

const deadline = (ms) => ({ deadline: Date.now() + (ms || CALL_TIMEOUT_MS) });

function outcome(name, observed, extra) {
  const replies = observed.replies || [];
  const status = observed.status || { code: 0, details: '' };
  return Object.assign({
    scenario: name,
    code: status.code,
    code_name: Object.keys(grpc.status).find((k) => grpc.status[k] === status.code) || String(status.code),
    details: status.details || '',
    headers: mdDict(observed.headers),
    trailers: mdDict(status.metadata),
    received: replies.length,
    payload_bytes: replies.reduce((n, r) => n + r.payload.length, 0),
    messages: replies.slice(0, 10).map((r) => r.message),
    indices_in_order: replies.every((r, i) => r.index === i),
    reply_count: replies.length ? replies[replies.length - 1].count : 0,
  }, extra || {});
}

/** Runs a call and collects headers, replies and the final status (which carries the trailers). */
function observe(start) {
  return new Promise((resolve) => {
    const observed = { replies: [], headers: null, status: null };
    let done = false;
    const finish = () => {
      if (!done && observed.status) {
        done = true;
        resolve(observed);
      }
    };
    const call = start((err, reply) => {
      if (reply) observed.replies.push(reply);
      finish();
    });
    call.on('metadata', (md) => { observed.headers = md; });
    call.on('status', (status) => { observed.status = status; setImmediate(finish); });
  });
}

class Scenarios {
  constructor(target) {
    this.target = target;
    this.client = new EchoClient(target, grpc.credentials.createInsecure());
    this.gzipClient = new EchoClient(target, grpc.credentials.createInsecure(), {
      'grpc.default_compression_algorithm': 2, // gzip, on requests
    });
  }

  unaryCall(request, metadata, options, client) {
    const c = client || this.client;
    return observe((cb) => c.Unary(request, metadata || new grpc.Metadata(), options || deadline(), cb));
  }

  serverStream(request, metadata, options, onData) {
    return new Promise((resolve) => {
      const observed = { replies: [], headers: null, status: null };
      const call = this.client.ServerStream(request, metadata || new grpc.Metadata(), options || deadline());
      call.on('metadata', (md) => { observed.headers = md; });
      call.on('data', (reply) => {
        observed.replies.push(reply);
        if (onData) onData(call, observed.replies.length);
      });
      call.on('error', () => {});
      call.on('status', (status) => { observed.status = status; setImmediate(() => resolve(observed)); });
    });
  }

  clientStream(requests, client) {
    const c = client || this.client;
    return observe((cb) => {
      const call = c.ClientStream(new grpc.Metadata(), deadline(), cb);
      for (const r of requests) call.write(r);
      call.end();
      return call;
    });
  }

  async unary() {
    return outcome('unary', await this.unaryCall({ message: 'hello', payload: Buffer.alloc(10, 1), response_size: 32 }));
  }

  async server_stream() {
    return outcome('server_stream', await this.serverStream({ message: 'tick', count: 100, payload_size: 64 }));
  }

  async client_stream() {
    const requests = [];
    for (let i = 0; i < 10; i++) requests.push({ message: `m${i}`, payload: Buffer.alloc(100, 2), response_size: 16 });
    return outcome('client_stream', await this.clientStream(requests), { sent: requests.length });
  }

  async bidi() {
    // Ping-pong: each request is sent only after the reply to the previous one arrived, which
    // proves the server replies as each request arrives rather than after the stream ends.
    const observed = { replies: [], headers: null, status: null };
    const call = this.client.Bidi(new grpc.Metadata(), deadline());
    const statusSeen = new Promise((resolve) => call.on('status', (s) => { observed.status = s; resolve(); }));
    call.on('metadata', (md) => { observed.headers = md; });
    call.on('error', () => {});
    let waiter = null;
    call.on('data', (reply) => {
      observed.replies.push(reply);
      if (waiter) { const w = waiter; waiter = null; w(); }
    });
    for (let i = 0; i < 10; i++) {
      const got = new Promise((resolve) => { waiter = resolve; });
      call.write({ message: `b${i}`, response_size: 8 });
      await Promise.race([got, statusSeen]);
      if (observed.status) break;
    }
    call.end();
    await statusSeen;
    return outcome('bidi', observed, { sent: 10 });
  }

  async deadline() {
    return outcome('deadline', await this.unaryCall({ message: `slow${TAG}`, delay_ms: 5000 }, null, deadline(300)));
  }

  async deadline_stream() {
    return outcome('deadline_stream', await this.serverStream({ message: `slow-stream${TAG}`, count: 50, delay_ms: 100 }, null, deadline(500)));
  }

  async cancel() {
    const observed = await this.serverStream(
      { message: `cancel-me${TAG}`, count: 1000, payload_size: 8, delay_ms: 20 }, null, deadline(),
      (call, n) => { if (n === 5) call.cancel(); });
    await new Promise((r) => setTimeout(r, 200));
    const followup = outcome('followup', await this.unaryCall({ message: 'after-cancel' }));
    return outcome('cancel', observed, { followup_code: followup.code, followup_messages: followup.messages });
  }

  async metadata() {
    return outcome('metadata', await this.unaryCall({ message: 'md' }, echoMetadata()));
  }

  async metadata_stream() {
    return outcome('metadata_stream', await this.serverStream({ message: 'md', count: 3 }, echoMetadata()));
  }

  async metadata_error() {
    return outcome('metadata_error',
      await this.unaryCall({ message: 'md', fail_with_status: 9, fail_message: 'precondition' }, echoMetadata()));
  }

  async gzip() {
    const payload = Buffer.from('GeoAwareness gzip '.repeat(4096)).subarray(0, 65536);
    return outcome('gzip',
      await this.unaryCall({ message: 'zipped', payload, response_size: 65536 }, null, null, this.gzipClient),
      { sent_bytes: payload.length });
  }

  async gzip_client_stream() {
    const requests = [];
    for (let i = 0; i < 5; i++) requests.push({ message: `z${i}`, payload: Buffer.alloc(20000, 'z'), response_size: 30000 });
    return outcome('gzip_client_stream', await this.clientStream(requests, this.gzipClient), { sent: requests.length });
  }

  async oversized() {
    const payload = Buffer.alloc(5 * 1024 * 1024, 7);
    const result = outcome('oversized', await this.unaryCall({ message: 'big', payload }), { sent_bytes: payload.length });
    result.followup_code = outcome('followup', await this.unaryCall({ message: 'after-oversized' })).code;
    return result;
  }

  rawUnary(path) {
    const m = service.Unary;
    return observe((cb) => this.client.makeUnaryRequest(path, m.requestSerialize, m.responseDeserialize,
      { message: '?' }, new grpc.Metadata(), deadline(), cb));
  }

  async unknown_method() {
    return outcome('unknown_method', await this.rawUnary(`/${SERVICE}/NoSuchMethod`));
  }

  async unknown_service() {
    return outcome('unknown_service', await this.rawUnary('/geoawareness.testing.v1.NoSuchService/Unary'));
  }

  async failure() {
    return outcome('failure',
      await this.unaryCall({ message: 'fail', fail_with_status: 5, fail_message: FAIL_MESSAGE }),
      { expected_details: FAIL_MESSAGE });
  }

  close() {
    this.client.close();
    this.gzipClient.close();
  }
}

const ALL = ['unary', 'server_stream', 'client_stream', 'bidi', 'deadline', 'deadline_stream', 'cancel', 'metadata',
  'metadata_stream', 'metadata_error', 'gzip', 'gzip_client_stream', 'oversized', 'unknown_method',
  'unknown_service', 'failure'];

/** Benchmark mode: messages/s of concurrent ServerStream calls. */
async function countStream(target, count, calls) {
  const client = new EchoClient(target, grpc.credentials.createInsecure());
  await new Promise((resolve, reject) => client.waitForReady(Date.now() + 10000, (e) => (e ? reject(e) : resolve())));
  const started = process.hrtime.bigint();
  const one = () => new Promise((resolve) => {
    let n = 0;
    const call = client.ServerStream({ message: 'bench', count, payload_size: 0 }, new grpc.Metadata(), deadline(120000));
    call.on('data', () => { n++; });
    call.on('error', () => {});
    call.on('status', (s) => resolve({ n, code: s.code }));
  });
  const results = await Promise.all(Array.from({ length: calls }, one));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const messages = results.reduce((a, r) => a + r.n, 0);
  const ok = results.every((r) => r.code === 0 && r.n === count);
  process.stdout.write(JSON.stringify({ messages, seconds, msgs_per_s: messages / seconds, ok }) + '\n');
  client.close();
}

async function main() {
  const target = argValue('--target');
  if (!target) {
    process.stderr.write('usage: node echo_client.js --target HOST:PORT [--scenarios a,b] | [--count-stream N --calls C]\n');
    process.exit(2);
  }
  if (process.argv.includes('--count-stream')) {
    await countStream(target, Number(argValue('--count-stream')), Number(argValue('--calls', '1')));
    return;
  }
  const scenarios = new Scenarios(target);
  await new Promise((resolve, reject) => scenarios.client.waitForReady(Date.now() + 10000, (e) => (e ? reject(e) : resolve())));
  for (const name of argValue('--scenarios', ALL.join(',')).split(',')) {
    let result;
    if (!ALL.includes(name)) {
      result = { scenario: name, error: 'unknown scenario' };
    } else {
      try {
        result = await scenarios[name]();
      } catch (e) {
        result = { scenario: name, error: `${e.name}: ${e.message}` };
      }
    }
    process.stdout.write(JSON.stringify(result) + '\n');
  }
  scenarios.close();
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
