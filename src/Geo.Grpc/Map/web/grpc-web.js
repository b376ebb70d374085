// gRPC-Web for the map page, by hand: the framing of application/grpc-web+proto and just enough
// of the protobuf wire format to write the page's requests and read its answers. No bundle and no
// generated code: the page calls two methods with small messages, and this file is the whole of
// what that takes (the service side is the standard Grpc.AspNetCore.Web).
//
// The protocol (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md), as used here:
// - a call is POST /<package>.<Service>/<Method> with content-type application/grpc-web+proto and
//   the request as one frame: a flag byte (0x00), the message's length (4 bytes, big-endian), the
//   message;
// - the answer's body is frames of the same shape: data frames (flag 0x00) hold messages, and the
//   last frame (flag 0x80) holds the trailers as HTTP/1-style lines, "grpc-status:0\r\n..." ;
// - an answer with no message at all (an early refusal) is "trailers-only": grpc-status and
//   grpc-message come as ordinary response headers and the body is empty;
// - grpc-message is percent-encoded UTF-8.
// Metadata are plain headers: the bearer token goes as "authorization: Bearer <token>".
(function () {
  'use strict';

  // Status codes by number, named as in grpc/doc/statuscodes.md.
  const CODES = [
    'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
    'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED',
    'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
  ];
  const Code = Object.freeze(Object.fromEntries(CODES.map((name, number) => [name, number])));

  const CONTENT_TYPE = 'application/grpc-web+proto';
  const DATA_FRAME = 0x00;
  const TRAILER_FRAME = 0x80;
  const COMPRESSED = 0x01;

  /** A call that ended with a status other than OK: code (number), codeName, and the service's message. */
  class GrpcError extends Error {
    constructor(code, detail) {
      const name = CODES[code] || 'status ' + code;
      super(detail ? `${name}: ${detail}` : name);
      this.name = 'GrpcError';
      this.code = code;
      this.codeName = name;
      this.detail = detail;
    }
  }

  // ---- protobuf: writing ----

  /**
   * Writes one message, field by field in the order called. Numbers are written with arithmetic,
   * not 32-bit bit operations, so int64 values up to 2^53 (seconds, counts) are exact.
   */
  class Writer {
    constructor() {
      this.parts = [];
    }

    varint(value) {
      if (!Number.isSafeInteger(value) || value < 0) {
        throw new RangeError('only non-negative integers up to 2^53 are written: ' + value);
      }
      while (value >= 0x80) {
        this.parts.push((value % 0x80) | 0x80);
        value = Math.floor(value / 0x80);
      }
      this.parts.push(value);
      return this;
    }

    tag(field, wireType) {
      return this.varint(field * 8 + wireType);
    }

    /** int32, int64, uint*, an enum or a bool (wire type 0); a zero is the default and is left out. */
    uint(field, value) {
      const number = Number(value);
      return number === 0 ? this : this.tag(field, 0).varint(number);
    }

    /** A double (wire type 1, 8 bytes little-endian); always written, 0 included. */
    double(field, value) {
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setFloat64(0, value, true);
      this.tag(field, 1);
      this.parts.push(...bytes);
      return this;
    }

    /** Bytes, a string or an embedded message (wire type 2): the length, then the bytes. */
    bytes(field, bytes) {
      this.tag(field, 2).varint(bytes.length);
      this.parts.push(...bytes);
      return this;
    }

    string(field, text) {
      return text ? this.bytes(field, new TextEncoder().encode(text)) : this;
    }

    message(field, writer) {
      return this.bytes(field, writer.finish());
    }

    /** A repeated enum or integer, packed (proto3's default): one length-delimited run of varints. */
    packed(field, values) {
      if (!values.length) {
        return this;
      }
      const run = new Writer();
      for (const value of values) {
        run.varint(Number(value));
      }
      return this.bytes(field, run.finish());
    }

    finish() {
      return Uint8Array.from(this.parts);
    }
  }

  // ---- protobuf: reading ----

  /**
   * The fields of one message, by number: each read as its wire type says, so a field this page
   * does not know is skipped whatever it holds. Varints become numbers (exact up to 2^53).
   */
  class Fields {
    constructor(bytes) {
      this.values = new Map();
      let at = 0;
      const varint = () => {
        let value = 0;
        let scale = 1;
        for (let i = 0; i < 10; i++) {
          if (at >= bytes.length) {
            throw new GrpcError(Code.INTERNAL, 'a response message ends inside a number');
          }
          const byte = bytes[at++];
          value += (byte & 0x7f) * scale;
          scale *= 0x80;
          if (byte < 0x80) {
            return value;
          }
        }
        throw new GrpcError(Code.INTERNAL, 'a response message holds a number longer than 10 bytes');
      };
      const take = (length) => {
        if (at + length > bytes.length) {
          throw new GrpcError(Code.INTERNAL, 'a response message ends inside a field');
        }
        const value = bytes.subarray(at, at + length);
        at += length;
        return value;
      };
      while (at < bytes.length) {
        const key = varint();
        const field = Math.floor(key / 8);
        const wireType = key % 8;
        let value;
        switch (wireType) {
          case 0: value = varint(); break;
          case 1: value = take(8); break;
          case 2: value = take(varint()); break;
          case 5: value = take(4); break;
          default: throw new GrpcError(Code.INTERNAL, `a response message has field ${field} of wire type ${wireType}, which proto3 never writes`);
        }
        if (!this.values.has(field)) {
          this.values.set(field, []);
        }
        this.values.get(field).push(value);
      }
    }

    last(field) {
      const all = this.values.get(field);
      return all ? all[all.length - 1] : undefined;
    }

    /** An integer, enum or bool field (0 when absent). */
    number(field) {
      const value = this.last(field);
      return typeof value === 'number' ? value : 0;
    }

    bool(field) {
      return this.number(field) !== 0;
    }

    string(field) {
      const value = this.last(field);
      return value instanceof Uint8Array ? new TextDecoder().decode(value) : '';
    }

    strings(field) {
      return (this.values.get(field) || []).filter((v) => v instanceof Uint8Array).map((v) => new TextDecoder().decode(v));
    }

    /** A double field (wire type 1, little-endian), 0 when absent. */
    double(field) {
      const value = this.last(field);
      return value instanceof Uint8Array && value.length === 8 ? new DataView(value.buffer, value.byteOffset, 8).getFloat64(0, true) : 0;
    }

    /** An embedded message, or null when absent. */
    message(field) {
      const value = this.last(field);
      return value instanceof Uint8Array ? new Fields(value) : null;
    }
  }

  // ---- well-known types ----

  /** google.protobuf.Timestamp from a Date (whole seconds and nanoseconds). */
  function timestamp(date) {
    const ms = date.getTime();
    const seconds = Math.floor(ms / 1000);
    return new Writer().uint(1, seconds).uint(2, (ms - seconds * 1000) * 1e6);
  }

  /** A Date from a google.protobuf.Timestamp's fields, or null when absent. */
  function readTimestamp(fields) {
    return fields ? new Date(fields.number(1) * 1000 + Math.floor(fields.number(2) / 1e6)) : null;
  }

  // ---- the call ----

  /** The gRPC status an HTTP status stands for when the answer carries none (PROTOCOL-HTTP2.md's mapping). */
  function codeOfHttp(status) {
    switch (status) {
      case 400: return Code.INTERNAL;
      case 401: return Code.UNAUTHENTICATED;
      case 403: return Code.PERMISSION_DENIED;
      case 404: return Code.UNIMPLEMENTED;
      case 429: case 502: case 503: case 504: return Code.UNAVAILABLE;
      default: return Code.UNKNOWN;
    }
  }

  function percentDecoded(text) {
    if (!text) {
      return '';
    }
    try {
      return decodeURIComponent(text);
    } catch (ignored) {
      return text;
    }
  }

  /** The trailer frame's text: "name:value" lines separated by CRLF, names in any case. */
  function readTrailers(bytes) {
    const trailers = new Map();
    for (const line of new TextDecoder().decode(bytes).split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) {
        trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
    }
    return trailers;
  }

  /** The data frames' messages and the trailer frame's trailers (null when there is none) of a whole body. */
  function readFrames(body) {
    const messages = [];
    let trailers = null;
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    let at = 0;
    while (at < body.length) {
      if (at + 5 > body.length) {
        throw new GrpcError(Code.INTERNAL, 'the response ends inside a frame header');
      }
      const flags = body[at];
      const length = view.getUint32(at + 1, false);
      if (at + 5 + length > body.length) {
        throw new GrpcError(Code.INTERNAL, `the response ends inside a frame of ${length} bytes`);
      }
      const payload = body.subarray(at + 5, at + 5 + length);
      at += 5 + length;
      if (flags & COMPRESSED) {
        // Never asked for: the page sends no grpc-accept-encoding, so the service does not compress.
        throw new GrpcError(Code.INTERNAL, 'the response holds a compressed frame, which the page did not ask for');
      }
      if ((flags & TRAILER_FRAME) === TRAILER_FRAME) {
        trailers = readTrailers(payload);
        break;
      }
      if (flags !== DATA_FRAME) {
        throw new GrpcError(Code.INTERNAL, 'the response holds a frame with flags 0x' + flags.toString(16));
      }
      messages.push(payload);
    }
    return { messages, trailers };
  }

  function statusOf(source) {
    const status = source.get('grpc-status');
    if (status === null || status === undefined) {
      return null;
    }
    const code = Number(status);
    return { code: Number.isInteger(code) ? code : Code.UNKNOWN, message: percentDecoded(source.get('grpc-message')) };
  }

  /**
   * Sends one request message and returns the response once its headers say it is a gRPC-Web
   * answer; an early refusal (trailers-only) rejects with its status, a network failure with
   * UNAVAILABLE, an aborted signal with the fetch's AbortError.
   */
  async function send(path, request, { token, signal, timeoutMs } = {}) {
    const body = new Uint8Array(5 + request.length);
    new DataView(body.buffer).setUint32(1, request.length, false);
    body.set(request, 5);
    const headers = { 'content-type': CONTENT_TYPE, accept: CONTENT_TYPE, 'x-grpc-web': '1' };
    if (token) {
      headers.authorization = 'Bearer ' + token;
    }
    if (timeoutMs) {
      headers['grpc-timeout'] = Math.max(1, Math.round(timeoutMs)) + 'm';
    }

    let response;
    try {
      response = await fetch(path, { method: 'POST', headers, body, signal, cache: 'no-store', credentials: 'omit' });
    } catch (e) {
      if (e.name === 'AbortError') {
        throw e;
      }
      throw new GrpcError(Code.UNAVAILABLE, 'the service did not answer (' + e.message + ')');
    }

    // Trailers-only: an early refusal carries its status in the headers, with any HTTP status.
    const early = statusOf(response.headers);
    if (early && early.code !== Code.OK) {
      throw new GrpcError(early.code, early.message);
    }
    if (!response.ok) {
      throw new GrpcError(codeOfHttp(response.status), `HTTP ${response.status} ${response.statusText}`.trim());
    }
    const type = response.headers.get('content-type') || '';
    if (!type.startsWith('application/grpc-web')) {
      throw new GrpcError(Code.UNKNOWN, `the answer is not gRPC-Web (content-type ${type || 'none'})`);
    }
    return { response, early };
  }

  /**
   * Calls a unary method: path "/geoawareness.v1.Access/WhoAmI", request the message's bytes
   * (Writer.finish()). Resolves to the answer's Fields, or rejects with a GrpcError (a network
   * failure is UNAVAILABLE); an aborted signal rejects with the fetch's AbortError.
   */
  async function unary(path, request, options = {}) {
    const { response, early } = await send(path, request, options);
    const { messages, trailers } = readFrames(new Uint8Array(await response.arrayBuffer()));
    const status = (trailers && statusOf(trailers)) || early;
    if (!status) {
      throw new GrpcError(Code.INTERNAL, 'the answer ended with no grpc-status');
    }
    if (status.code !== Code.OK) {
      throw new GrpcError(status.code, status.message);
    }
    if (messages.length !== 1) {
      throw new GrpcError(Code.INTERNAL, `a unary call answered with ${messages.length} messages`);
    }
    return new Fields(messages[0]);
  }

  /**
   * Calls a server-streaming method and hands each message's Fields to onMessage as its frame
   * arrives (a watch never ends by itself). Resolves when the stream ends OK; rejects with its
   * status otherwise, or UNAVAILABLE when the body ends without one (the link broke).
   */
  async function serverStream(path, request, onMessage, options = {}) {
    const { response } = await send(path, request, options);
    const reader = response.body.getReader();
    let buffer = new Uint8Array(0);
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (e) {
        if (e.name === 'AbortError') {
          throw e;
        }
        throw new GrpcError(Code.UNAVAILABLE, 'the stream broke (' + e.message + ')');
      }
      if (chunk.done) {
        throw new GrpcError(Code.UNAVAILABLE, 'the stream ended without its status');
      }
      const joined = new Uint8Array(buffer.length + chunk.value.length);
      joined.set(buffer, 0);
      joined.set(chunk.value, buffer.length);
      buffer = joined;
      while (buffer.length >= 5) {
        const length = new DataView(buffer.buffer, buffer.byteOffset, 5).getUint32(1, false);
        if (buffer.length < 5 + length) {
          break;
        }
        const flags = buffer[0];
        const payload = buffer.slice(5, 5 + length);
        buffer = buffer.slice(5 + length);
        if ((flags & TRAILER_FRAME) === TRAILER_FRAME) {
          const status = statusOf(readTrailers(payload));
          if (!status) {
            throw new GrpcError(Code.INTERNAL, 'the stream ended with no grpc-status');
          }
          if (status.code !== Code.OK) {
            throw new GrpcError(status.code, status.message);
          }
          return;
        }
        if (flags !== DATA_FRAME) {
          throw new GrpcError(Code.INTERNAL, 'the response holds a frame with flags 0x' + flags.toString(16));
        }
        onMessage(new Fields(payload));
      }
    }
  }

  window.GrpcWeb = Object.freeze({ Code, GrpcError, Writer, Fields, timestamp, readTimestamp, unary, serverStream });
})();
