#!/usr/bin/env node
'use strict';
// A grpc-js server for tests/protos/echo.proto, written to the comments of that file.
//
// Usage: node echo_server.js [--port N] [--gzip] [--exit-with-stdin]
// Prints "READY <port>" on stdout once listening (port 0 picks a free port), and
// "CANCELLED <method> <message>" whenever a call is cancelled (by the client or a deadline)
// while its handler is running, so a test can see that the server observed it.
// Request metadata x-echo-* comes back as response headers, x-echo-*-trailer(-bin) as trailers.
const { grpc, service, isHeaderKey, isTrailerKey } = require('./echo_proto');

function argValue(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function log(line) {
  process.stdout.write(line + '\n');
}

/** Sends the x-echo-* headers now and returns the trailers to send at the end. */
function echoMetadata(call) {
  const headers = new grpc.Metadata();
  const trailers = new grpc.Metadata();
  let anyHeader = false;
  for (const [key, values] of Object.entries(call.metadata.toJSON())) {
    for (const value of values) {
      if (isTrailerKey(key)) {
        trailers.add(key, value);
      } else if (isHeaderKey(key)) {
        headers.add(key, value);
        anyHeader = true;
      }
    }
  }
  if (anyHeader) {
    call.sendMetadata(headers);
  }
  return trailers;
}

/** Watches for cancellation (client cancel or deadline) and logs it once. */
function watchCancellation(call, method, message) {
  // grpc-js also emits 'cancelled' when a finished call's stream closes: only a call still
  // running (state.done not yet set) counts as cancelled.
  const state = { cancelled: false, done: false, waiters: [] };
  call.on('cancelled', () => {
    if (!state.cancelled && !state.done) {
      state.cancelled = true;
      log(`CANCELLED ${method} ${message()}`);
      for (const wake of state.waiters.splice(0)) wake();
    }
  });
  return state;
}

/** Waits ms, returning early (false) when the call is cancelled. */
function delay(ms, state) {
  if (state.cancelled) return Promise.resolve(false);
  if (!(ms > 0)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(true), ms);
    state.waiters.push(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

function failure(request, trailers) {
  return { code: request.fail_with_status, details: request.fail_message, metadata: trailers };
}

function reply(message, size, index, count) {
  return { message, payload: Buffer.alloc(Math.max(size, 0)), index: index || 0, count: count || 0 };
}

const handlers = {
  Unary(call, callback) {
    const request = call.request;
    const state = watchCancellation(call, 'Unary', () => request.message);
    const trailers = echoMetadata(call);
    const answer = () => {
      state.done = true;
      if (request.fail_with_status) {
        callback(failure(request, trailers));
      } else {
        callback(null, reply(request.message, request.response_size), trailers);
      }
    };
    if (request.delay_ms > 0) {
      delay(request.delay_ms, state).then((ok) => ok && answer());
    } else {
      answer();
    }
  },

  async ServerStream(call) {
    const request = call.request;
    const state = watchCancellation(call, 'ServerStream', () => request.message);
    const trailers = echoMetadata(call);
    const payload = Buffer.alloc(Math.max(request.payload_size, 0));
    for (let i = 0; i < request.count; i++) {
      if (i > 0 && !(await delay(request.delay_ms, state))) return;
      if (state.cancelled) return;
      const more = call.write({ message: request.message, payload, index: i, count: request.count });
      if (!more) {
        await new Promise((resolve) => {
          call.once('drain', resolve);
          state.waiters.push(resolve);
        });
      }
    }
    if (!state.cancelled) {
      state.done = true;
      call.end(trailers);
    }
  },

  ClientStream(call, callback) {
    let last = { message: '' };
    const state = watchCancellation(call, 'ClientStream', () => last.message);
    const trailers = echoMetadata(call);
    const parts = [];
    let responseSize = 0;
    let chain = Promise.resolve(true);
    let failed = false;
    call.on('data', (request) => {
      chain = chain.then(async (ok) => {
        if (!ok || failed) return false;
        last = request;
        if (!(await delay(request.delay_ms, state))) return false;
        if (request.fail_with_status) {
          failed = true;
          state.done = true;
          callback(failure(request, trailers));
          return false;
        }
        parts.push(request.message);
        responseSize = request.response_size;
        return true;
      });
    });
    call.on('end', () => {
      chain.then((ok) => {
        if (ok && !failed && !state.cancelled) {
          state.done = true;
          callback(null, reply(parts.join(''), responseSize, 0, parts.length), trailers);
        }
      });
    });
  },

  Bidi(call) {
    let last = { message: '' };
    const state = watchCancellation(call, 'Bidi', () => last.message);
    const trailers = echoMetadata(call);
    let index = 0;
    let chain = Promise.resolve(true);
    call.on('data', (request) => {
      chain = chain.then(async (ok) => {
        if (!ok) return false;
        last = request;
        if (!(await delay(request.delay_ms, state))) return false;
        if (request.fail_with_status) {
          state.done = true;
          call.emit('error', failure(request, trailers));
          return false;
        }
        call.write(reply(request.message, request.response_size, index++));
        return true;
      });
    });
    call.on('end', () => {
      chain.then((ok) => {
        if (ok && !state.cancelled) {
          state.done = true;
          call.end(trailers);
        }
      });
    });
  },
};

function main() {
  const port = Number(argValue('--port', '0'));
  const options = { 'grpc.so_reuseport': 0 };
  if (process.argv.includes('--gzip')) {
    options['grpc.default_compression_algorithm'] = 2; // gzip
  }
  const server = new grpc.Server(options);
  server.addService(service, handlers);
  server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
    if (err) {
      process.stderr.write(`cannot listen: ${err.message}\n`);
      process.exit(1);
    }
    log(`READY ${bound}`);
  });
  const stop = () => server.tryShutdown(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (process.argv.includes('--exit-with-stdin')) {
    // A test runner that dies takes its servers with it.
    process.stdin.on('end', () => process.exit(0));
    process.stdin.on('error', () => process.exit(0));
    process.stdin.resume();
  }
}

main();
