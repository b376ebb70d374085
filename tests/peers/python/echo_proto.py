"""Generates the echo.proto stubs at run time (into a temp dir) and imports them.

Run with /usr/bin/python3: Debian's python3-grpcio and python3-grpc-tools belong to it.
"""
import atexit
import importlib
import os
import shutil
import sys
import tempfile

import grpc
from grpc_tools import protoc

PROTO_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "protos"))
PROTO_FILE = os.path.join(PROTO_DIR, "echo.proto")

# Name -> grpc.StatusCode and int -> grpc.StatusCode.
STATUS_BY_INT = {s.value[0]: s for s in grpc.StatusCode}

SERVICE = "geoawareness.testing.v1.Echo"


def method_path(name):
    return "/%s/%s" % (SERVICE, name)


def _generate():
    out = tempfile.mkdtemp(prefix="echo-proto-")
    atexit.register(shutil.rmtree, out, True)
    rc = protoc.main(["grpc_tools.protoc", "-I" + PROTO_DIR, "--python_out=" + out, PROTO_FILE])
    if rc != 0:
        raise RuntimeError("protoc failed on %s (exit %d)" % (PROTO_FILE, rc))
    sys.path.insert(0, out)
    return importlib.import_module("echo_pb2")


pb = _generate()


def is_trailer_key(key):
    """x-echo-*-trailer (and its binary form x-echo-*-trailer-bin) goes back as a trailer."""
    base = key[:-4] if key.endswith("-bin") else key
    return key.startswith("x-echo-") and base.endswith("-trailer")


def is_header_key(key):
    return key.startswith("x-echo-") and not is_trailer_key(key)
