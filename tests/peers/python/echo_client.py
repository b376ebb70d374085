#!/usr/bin/python3
"""A Python grpcio client that runs the interop scenarios against an Echo server (tests/protos/echo.proto).

Usage: /usr/bin/python3 echo_client.py --target 127.0.0.1:PORT [--scenarios a,b,...] [--tag T]
Prints one JSON line per scenario with what it observed; the scenario names and fields are the
same as tests/peers/node/echo_client.js prints, so one test harness reads both. Fields:
  scenario, code (int), code_name, details, headers / trailers (x-echo-* only; -bin values base64),
  received (replies), payload_bytes (sum of reply payload sizes), messages (first 10 reply messages),
  indices_in_order, reply_count (EchoReply.count of the last reply), plus scenario-specific fields.
"""
import argparse
import base64
import json
import queue
import sys
import time

import grpc

from echo_proto import method_path, pb

ASCII_VALUE = "hello, metadata 123"
BIN_VALUE = bytes([0, 1, 2, 127, 128, 254, 255]) + "é北".encode("utf-8")
TRAILER_VALUE = "trailer value"
TRAILER_BIN_VALUE = bytes([255, 0, 128, 10, 13])
FAIL_MESSAGE = "Échec : base «Bunia» introuvable — 北 ✓ 100%"
ECHO_METADATA = (
    ("x-echo-ascii", ASCII_VALUE),
    ("x-echo-data-bin", BIN_VALUE),
    ("x-echo-note-trailer", TRAILER_VALUE),
    ("x-echo-blob-trailer-bin", TRAILER_BIN_VALUE),
    ("x-not-echoed", "must not come back"),
)
CALL_TIMEOUT = 20.0
# --tag: appended to the messages of the deadline and cancel calls, so a test can find them in the server's log.
TAG = ""


def md_dict(metadata):
    out = {}
    for key, value in metadata or ():
        if not key.startswith("x-echo-") and not key.startswith("x-not-"):
            continue
        if key.endswith("-bin"):
            value = base64.b64encode(value if isinstance(value, bytes) else value.encode()).decode("ascii")
        out[key] = value
    return out


def outcome(name, call=None, error=None, replies=(), **extra):
    source = error if error is not None else call
    code = source.code() if source is not None else grpc.StatusCode.OK
    replies = list(replies)
    result = {
        "scenario": name,
        "code": code.value[0],
        "code_name": code.name,
        "details": (source.details() if source is not None else "") or "",
        "headers": md_dict(source.initial_metadata()) if source is not None else {},
        "trailers": md_dict(source.trailing_metadata()) if source is not None else {},
        "received": len(replies),
        "payload_bytes": sum(len(r.payload) for r in replies),
        "messages": [r.message for r in replies[:10]],
        "indices_in_order": all(r.index == i for i, r in enumerate(replies)),
        "reply_count": replies[-1].count if replies else 0,
    }
    result.update(extra)
    return result


class Scenarios:
    def __init__(self, channel):
        self.channel = channel
        req, rep, sreq = pb.EchoRequest, pb.EchoReply, pb.StreamRequest
        self.unary = channel.unary_unary(method_path("Unary"), req.SerializeToString, rep.FromString)
        self.server_stream_call = channel.unary_stream(method_path("ServerStream"), sreq.SerializeToString, rep.FromString)
        self.client_stream_call = channel.stream_unary(method_path("ClientStream"), req.SerializeToString, rep.FromString)
        self.bidi_call = channel.stream_stream(method_path("Bidi"), req.SerializeToString, rep.FromString)

    def _unary(self, name, request, metadata=None, timeout=CALL_TIMEOUT, compression=None, method=None, **extra):
        method = method or self.unary
        try:
            reply, call = method.with_call(request, metadata=metadata, timeout=timeout, compression=compression)
            return outcome(name, call=call, replies=[reply], **extra)
        except grpc.RpcError as e:
            return outcome(name, error=e, **extra)

    def _stream(self, name, request, metadata=None, timeout=CALL_TIMEOUT, **extra):
        replies = []
        call = self.server_stream_call(request, metadata=metadata, timeout=timeout)
        try:
            for reply in call:
                replies.append(reply)
            return outcome(name, call=call, replies=replies, **extra)
        except grpc.RpcError as e:
            return outcome(name, error=e, replies=replies, **extra)

    def unary_call(self):
        return self._unary("unary", pb.EchoRequest(message="hello", payload=b"\x01" * 10, response_size=32))

    def server_stream(self):
        return self._stream("server_stream", pb.StreamRequest(message="tick", count=100, payload_size=64))

    def client_stream(self):
        requests = [pb.EchoRequest(message="m%d" % i, payload=b"\x02" * 100, response_size=16) for i in range(10)]
        try:
            reply, call = self.client_stream_call.with_call(iter(requests), timeout=CALL_TIMEOUT)
            return outcome("client_stream", call=call, replies=[reply], sent=len(requests))
        except grpc.RpcError as e:
            return outcome("client_stream", error=e, sent=len(requests))

    def bidi(self):
        # Ping-pong: each request is sent only after the reply to the previous one arrived, which
        # proves the server replies as each request arrives rather than after the stream ends.
        outbox = queue.Queue()

        def requests():
            while True:
                item = outbox.get()
                if item is None:
                    return
                yield item

        call = self.bidi_call(requests(), timeout=CALL_TIMEOUT)
        replies = []
        try:
            for i in range(10):
                outbox.put(pb.EchoRequest(message="b%d" % i, response_size=8))
                replies.append(next(call))
            outbox.put(None)
            for reply in call:
                replies.append(reply)
            return outcome("bidi", call=call, replies=replies, sent=10)
        except grpc.RpcError as e:
            outbox.put(None)
            return outcome("bidi", error=e, replies=replies, sent=10)

    def deadline(self):
        return self._unary("deadline", pb.EchoRequest(message="slow" + TAG, delay_ms=5000), timeout=0.3)

    def deadline_stream(self):
        return self._stream("deadline_stream", pb.StreamRequest(message="slow-stream" + TAG, count=50, delay_ms=100), timeout=0.5)

    def cancel(self):
        call = self.server_stream_call(pb.StreamRequest(message="cancel-me" + TAG, count=1000, payload_size=8, delay_ms=20), timeout=CALL_TIMEOUT)
        replies = []
        try:
            for reply in call:
                replies.append(reply)
                if len(replies) == 5:
                    call.cancel()
            result = outcome("cancel", call=call, replies=replies)
        except grpc.RpcError as e:
            result = outcome("cancel", error=e, replies=replies)
        # A follow-up call on the same channel: the server must still serve after the cancellation.
        time.sleep(0.2)
        followup = self._unary("followup", pb.EchoRequest(message="after-cancel"))
        result["followup_code"] = followup["code"]
        result["followup_messages"] = followup["messages"]
        return result

    def metadata(self):
        return self._unary("metadata", pb.EchoRequest(message="md"), metadata=ECHO_METADATA)

    def metadata_stream(self):
        return self._stream("metadata_stream", pb.StreamRequest(message="md", count=3), metadata=ECHO_METADATA)

    def metadata_error(self):
        return self._unary("metadata_error", pb.EchoRequest(message="md", fail_with_status=9, fail_message="precondition"),
                           metadata=ECHO_METADATA)

    def gzip(self):
        payload = (b"GeoAwareness gzip " * 4096)[:65536]
        return self._unary("gzip", pb.EchoRequest(message="zipped", payload=payload, response_size=65536),
                           compression=grpc.Compression.Gzip, sent_bytes=len(payload))

    def gzip_client_stream(self):
        requests = [pb.EchoRequest(message="z%d" % i, payload=b"z" * 20000, response_size=30000) for i in range(5)]
        try:
            reply, call = self.client_stream_call.with_call(iter(requests), timeout=CALL_TIMEOUT, compression=grpc.Compression.Gzip)
            return outcome("gzip_client_stream", call=call, replies=[reply], sent=len(requests))
        except grpc.RpcError as e:
            return outcome("gzip_client_stream", error=e, sent=len(requests))

    def oversized(self):
        payload = b"\x07" * (5 * 1024 * 1024)
        result = self._unary("oversized", pb.EchoRequest(message="big", payload=payload), sent_bytes=len(payload))
        followup = self._unary("followup", pb.EchoRequest(message="after-oversized"))
        result["followup_code"] = followup["code"]
        return result

    def unknown_method(self):
        missing = self.channel.unary_unary(method_path("NoSuchMethod"), pb.EchoRequest.SerializeToString, pb.EchoReply.FromString)
        return self._unary("unknown_method", pb.EchoRequest(message="?"), method=missing)

    def unknown_service(self):
        missing = self.channel.unary_unary("/geoawareness.testing.v1.NoSuchService/Unary",
                                           pb.EchoRequest.SerializeToString, pb.EchoReply.FromString)
        return self._unary("unknown_service", pb.EchoRequest(message="?"), method=missing)

    def failure(self):
        return self._unary("failure", pb.EchoRequest(message="fail", fail_with_status=5, fail_message=FAIL_MESSAGE),
                           expected_details=FAIL_MESSAGE)


ALL = ["unary", "server_stream", "client_stream", "bidi", "deadline", "deadline_stream", "cancel", "metadata",
       "metadata_stream", "metadata_error", "gzip", "gzip_client_stream", "oversized", "unknown_method",
       "unknown_service", "failure"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--scenarios", default=",".join(ALL))
    parser.add_argument("--tag", default="")
    args = parser.parse_args()
    global TAG
    TAG = args.tag
    with grpc.insecure_channel(args.target) as channel:
        grpc.channel_ready_future(channel).result(timeout=10)
        scenarios = Scenarios(channel)
        for name in args.scenarios.split(","):
            method = getattr(scenarios, "unary_call" if name == "unary" else name, None)
            if method is None or name not in ALL:
                result = {"scenario": name, "error": "unknown scenario"}
            else:
                try:
                    result = method()
                except Exception as e:  # a harness failure, reported rather than hidden
                    result = {"scenario": name, "error": "%s: %s" % (type(e).__name__, e)}
            sys.stdout.write(json.dumps(result, sort_keys=True) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
