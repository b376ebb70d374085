#!/usr/bin/python3
"""A Python grpcio (asyncio) server for tests/protos/echo.proto, written to the comments of that file.

Usage: /usr/bin/python3 echo_server.py [--port N] [--gzip] [--exit-with-stdin]
Prints "READY <port>" on stdout once listening (port 0 picks a free port), and
"CANCELLED <method> <message>" whenever a call is cancelled (by the client or a deadline)
while its handler is running, so a test can see that the server observed it.
Request metadata x-echo-* comes back as response headers, x-echo-*-trailer(-bin) as trailers.
"""
import argparse
import asyncio
import signal
import sys
import threading

import grpc

from echo_proto import STATUS_BY_INT, SERVICE, is_header_key, is_trailer_key, pb


def log(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def echo_metadata(context):
    metadata = context.invocation_metadata() or ()
    headers = tuple((k, v) for k, v in metadata if is_header_key(k))
    trailers = tuple((k, v) for k, v in metadata if is_trailer_key(k))
    if headers:
        await context.send_initial_metadata(headers)
    if trailers:
        context.set_trailing_metadata(trailers)
    return trailers


async def delay(ms):
    if ms > 0:
        await asyncio.sleep(ms / 1000.0)


async def fail_if_asked(request, context, trailers):
    if request.fail_with_status:
        code = STATUS_BY_INT.get(request.fail_with_status, grpc.StatusCode.UNKNOWN)
        await context.abort(code, request.fail_message, trailers)


def cancellation_logged(method):
    def wrap(handler):
        async def unary_response(request_or_iterator, context):
            try:
                return await handler(request_or_iterator, context)
            except asyncio.CancelledError:
                log("CANCELLED %s %s" % (method, getattr(request_or_iterator, "message", "")))
                raise

        async def stream_response(request_or_iterator, context):
            try:
                async for reply in handler(request_or_iterator, context):
                    yield reply
            except (asyncio.CancelledError, GeneratorExit):
                # A cancel that arrives while the generator is parked at a yield closes it with
                # GeneratorExit rather than CancelledError; both mean the call was cancelled.
                log("CANCELLED %s %s" % (method, getattr(request_or_iterator, "message", "")))
                raise

        return stream_response if method in ("ServerStream", "Bidi") else unary_response

    return wrap


@cancellation_logged("Unary")
async def unary(request, context):
    trailers = await echo_metadata(context)
    await delay(request.delay_ms)
    await fail_if_asked(request, context, trailers)
    return pb.EchoReply(message=request.message, payload=bytes(max(request.response_size, 0)))


@cancellation_logged("ServerStream")
async def server_stream(request, context):
    await echo_metadata(context)
    payload = bytes(max(request.payload_size, 0))
    for i in range(request.count):
        if i > 0:
            await delay(request.delay_ms)
        yield pb.EchoReply(message=request.message, payload=payload, index=i, count=request.count)


@cancellation_logged("ClientStream")
async def client_stream(request_iterator, context):
    trailers = await echo_metadata(context)
    parts = []
    response_size = 0
    async for request in request_iterator:
        await delay(request.delay_ms)
        await fail_if_asked(request, context, trailers)
        parts.append(request.message)
        response_size = request.response_size
    return pb.EchoReply(message="".join(parts), payload=bytes(max(response_size, 0)), count=len(parts))


@cancellation_logged("Bidi")
async def bidi(request_iterator, context):
    trailers = await echo_metadata(context)
    i = 0
    async for request in request_iterator:
        await delay(request.delay_ms)
        await fail_if_asked(request, context, trailers)
        yield pb.EchoReply(message=request.message, payload=bytes(max(request.response_size, 0)), index=i)
        i += 1


def handlers():
    req, rep, sreq = pb.EchoRequest, pb.EchoReply, pb.StreamRequest
    return grpc.method_handlers_generic_handler(SERVICE, {
        "Unary": grpc.unary_unary_rpc_method_handler(unary, req.FromString, rep.SerializeToString),
        "ServerStream": grpc.unary_stream_rpc_method_handler(server_stream, sreq.FromString, rep.SerializeToString),
        "ClientStream": grpc.stream_unary_rpc_method_handler(client_stream, req.FromString, rep.SerializeToString),
        "Bidi": grpc.stream_stream_rpc_method_handler(bidi, req.FromString, rep.SerializeToString),
    })


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--gzip", action="store_true", help="compress responses with gzip")
    parser.add_argument("--exit-with-stdin", action="store_true",
                        help="stop when stdin closes (a test runner that dies takes its servers with it)")
    args = parser.parse_args()
    server = grpc.aio.server(
        compression=grpc.Compression.Gzip if args.gzip else None,
        options=[("grpc.so_reuseport", 0)])
    server.add_generic_rpc_handlers((handlers(),))
    port = server.add_insecure_port("127.0.0.1:%d" % args.port)
    await server.start()
    log("READY %d" % port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if args.exit_with_stdin:
        threading.Thread(target=lambda: (sys.stdin.read(), loop.call_soon_threadsafe(stop.set)), daemon=True).start()
    await stop.wait()
    await server.stop(0.5)


if __name__ == "__main__":
    asyncio.run(main())
