'use strict';
// Loads tests/protos/echo.proto with @grpc/proto-loader, shared by the grpc-js peers.
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_FILE = path.resolve(__dirname, '..', '..', 'protos', 'echo.proto');
const SERVICE = 'geoawareness.testing.v1.Echo';

const definition = protoLoader.loadSync(PROTO_FILE, {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
});
const loaded = grpc.loadPackageDefinition(definition);
const EchoClient = loaded.geoawareness.testing.v1.Echo;

/** x-echo-*-trailer (and its binary form x-echo-*-trailer-bin) goes back as a trailer. */
function isTrailerKey(key) {
  const base = key.endsWith('-bin') ? key.slice(0, -4) : key;
  return key.startsWith('x-echo-') && base.endsWith('-trailer');
}

function isHeaderKey(key) {
  return key.startsWith('x-echo-') && !isTrailerKey(key);
}

module.exports = { grpc, EchoClient, service: EchoClient.service, SERVICE, isTrailerKey, isHeaderKey };
