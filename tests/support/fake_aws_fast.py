#!/usr/bin/env python3
"""
fake_aws_fast.py - fake_aws.py's endpoint on one asyncio event loop: the same routes,
SigV4 checks, answers, faults, state and log, for less CPU per call.

    fake_aws_fast.py --state STATE.json --cert SERVER.pem --key SERVER.key \\
                     --port-file PORT [--log LOG.jsonl] [--delay-ms N]

Why: fake_aws.py runs a thread per connection (http.server): parsing headers with the
email package, 50 threads taking turns on one interpreter lock. In the verification
benchmark (1,000 credentials, 3,500 calls, concurrency 50) that cost about as much CPU as
sesame itself, on the same 2 cores, and it is not what a real endpoint adds. Here one
event loop reads each request with a small HTTP/1.1 parser, keeps connections alive, and
answers every request with one write after the added delay (a timer, not a sleeping
thread).

Nothing is written twice: every request goes through fake_aws.Handler.handle_request
(routes, the signature check, fault injection, the operations of fake_aws.py and
fake_aws_ses.py), with this file supplying only what http.server did (the request's
method, path, headers and body; the reply collected into one buffer), so both fakes give
the same answers for the same requests (tests/integration/t0780-verify-fast-fake.sh
compares them). The log lines are fake_aws.py's; "conn" numbers the TLS connections
(one handshake each). Differences: a "slow" fault or --delay-ms delays the answer
without blocking other connections, as a real endpoint would; "reset" aborts the
connection with a TCP RST as fake_aws.py does.
"""

import asyncio
import io
import socket
import struct
import sys

import fake_aws  # tests/support, next to this file
from serve import announce  # tests/support, next to this file

MAX_HEAD = 64 * 1024
IDLE_SECONDS = 60  # an idle keep-alive connection is dropped after this (fake_aws.py too)


class Headers:
    """What Handler reads of http.server's headers: get() (case-insensitive, the first
    value) and items() (every line, in order)."""

    def __init__(self, pairs):
        self.pairs = pairs
        self.first = {}
        for k, v in pairs:
            self.first.setdefault(k.lower(), v)

    def get(self, name, default=None):
        return self.first.get(name.lower(), default)

    def items(self):
        return list(self.pairs)


class Reply:
    """The handler's wfile: everything written is sent as one buffer, later."""

    def __init__(self):
        self.parts = []

    def write(self, b):
        self.parts.append(bytes(b))
        return len(b)

    def flush(self):
        pass


class FastHandler(fake_aws.Handler):
    """fake_aws.Handler without a socket of its own: the event loop gives it a parsed
    request and sends what it wrote."""

    # pylint: disable=super-init-not-called
    def __init__(self, server, method, target, version, headers, body):
        self.server = server
        self.command = method
        self.path = target
        self.request_version = version
        self.requestline = f"{method} {target} {version}"
        self.headers = headers
        self.rfile = io.BytesIO(body)
        self.wfile = Reply()
        self.close_connection = version != "HTTP/1.1" or \
            (headers.get("Connection") or "").lower() == "close"
        self.client_address = ("127.0.0.1", 0)
        self.wait = 0.0
        self.rst = False

    def pause(self, seconds):
        self.wait += seconds

    def reset(self):
        self.rst = True
        raise fake_aws.Reset()


def parse_head(head):
    """(method, target, version, Headers) of a request head, or None if malformed."""
    lines = head.decode("iso-8859-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        return None
    pairs = []
    for line in lines[1:]:
        if not line:
            continue
        if line[0] in " \t" and pairs:  # obsolete line folding
            pairs[-1] = (pairs[-1][0], pairs[-1][1] + " " + line.strip())
            continue
        k, sep, v = line.partition(":")
        if not sep or not k or k != k.strip():
            return None
        pairs.append((k, v.strip()))
    return parts[0], parts[1], parts[2], Headers(pairs)


def abort_with_rst(writer):
    """Close without close_notify or FIN: SO_LINGER 0, as fake_aws.Handler.reset."""
    sock = writer.get_extra_info("socket")
    try:
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    writer.transport.abort()


async def serve_conn(srv, reader, writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn_id = srv.next_conn()
    try:
        while True:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE_SECONDS)
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                    asyncio.TimeoutError, ConnectionError, OSError):
                return
            req = parse_head(head)
            if req is None:
                writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                             b"Connection: close\r\n\r\n")
                return
            method, target, version, headers = req
            try:
                length = int(headers.get("Content-Length") or 0)
            except ValueError:
                return
            body = b""
            if 0 < length <= fake_aws.MAX_BODY:
                try:
                    body = await reader.readexactly(length)
                except (asyncio.IncompleteReadError, ConnectionError, OSError):
                    return
            h = FastHandler(srv, method, target, version, headers, body)
            h.conn_id = conn_id
            srv.inflight += 1
            try:
                try:
                    h.handle_request(srv.inflight)
                except fake_aws.Reset:
                    pass
                if h.wait:
                    await asyncio.sleep(h.wait)
            finally:
                srv.inflight -= 1
            if h.rst:
                abort_with_rst(writer)
                return
            writer.write(b"".join(h.wfile.parts))
            await writer.drain()
            if h.close_connection or length > fake_aws.MAX_BODY:
                return
    except Exception as e:  # pylint: disable=broad-except
        print(f"fake_aws_fast: {type(e).__name__}: {e}", file=sys.stderr)
    finally:
        if not writer.transport.is_closing():
            writer.close()


class LoopServer:
    """What fake_aws.Handler finds in self.server (see fake_aws.init_server)."""


async def amain(a):
    srv = LoopServer()
    ctx = fake_aws.init_server(srv, a)
    server = await asyncio.start_server(
        lambda r, w: serve_conn(srv, r, w), "127.0.0.1", 0, ssl=ctx, limit=MAX_HEAD,
        backlog=256, ssl_handshake_timeout=10)
    announce(server.sockets[0].getsockname()[1], a.port_file)
    async with server:
        await server.serve_forever()


def main():
    a = fake_aws.parse_args(__doc__)
    try:
        asyncio.run(amain(a))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
