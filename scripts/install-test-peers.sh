#!/usr/bin/env bash
# Installs the real gRPC peers the interop tests and the gRPC benchmark run against:
#   Debian python3-grpcio + python3-grpc-tools (for /usr/bin/python3), nghttp2-client (h2load),
#   and @grpc/grpc-js + @grpc/proto-loader (npm ci in tests/peers/node).
# Idempotent and quiet when everything is already there. CI runs it before `dotnet test`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

missing=()
/usr/bin/python3 -c 'import grpc' 2>/dev/null || missing+=(python3-grpcio)
/usr/bin/python3 -c 'import grpc_tools.protoc' 2>/dev/null || missing+=(python3-grpc-tools)
command -v h2load >/dev/null 2>&1 || missing+=(nghttp2-client)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if ((${#missing[@]})); then
  echo "install-test-peers: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  sudo_=""
  [[ $(id -u) -eq 0 ]] || sudo_="sudo"
  if ! $sudo_ apt-get install -y -qq "${missing[@]}" >/dev/null; then
    $sudo_ apt-get update -qq
    $sudo_ apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

node_dir="$root/tests/peers/node"
if [[ ! -d "$node_dir/node_modules/@grpc/grpc-js" || ! -d "$node_dir/node_modules/@grpc/proto-loader" ]]; then
  echo "install-test-peers: npm ci in tests/peers/node"
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
