#!/usr/bin/env python3
"""
socks_recorder.py - a SOCKS5 proxy that connects nowhere: it records where each client
wanted to go, refuses, and closes.

    socks_recorder.py --port-file PORT --log LOG.jsonl

Python 3 standard library only. Binds 127.0.0.1 on a free port (written to --port-file
once listening). Point a client at it with ALL_PROXY=socks5h://127.0.0.1:PORT (the "h":
the proxy resolves names, so the client does no DNS lookup of its own) and keep the
loopback fakes direct with NO_PROXY=127.0.0.1,localhost: any attempt to reach another
host - the real SES SMTP endpoint, a real AWS API host - then shows up in the log as
{"host": ..., "port": ..., "t": ...} and fails, without any traffic leaving the machine.
A client that speaks something other than SOCKS5 is logged as {"raw": first bytes}.
"""

import argparse
import json
import os
import socket
import socketserver
import struct
import sys
import threading
import time
from serve import announce_and_serve  # tests/support, next to this file


class Log:
    def __init__(self, path):
        self.f = open(path, "a", encoding="utf-8")
        self.lock = threading.Lock()

    def write(self, entry):
        entry["t"] = round(time.time(), 3)
        with self.lock:
            self.f.write(json.dumps(entry, sort_keys=True) + "\n")
            self.f.flush()


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        s = self.request
        s.settimeout(10)
        log = self.server.log
        try:
            head = read_exact(s, 2)
            if head[0] != 5:
                rest = s.recv(200)
                log.write({"raw": (head + rest)[:200].decode("latin-1")})
                return
            read_exact(s, head[1])            # the methods offered
            s.sendall(b"\x05\x00")            # no authentication
            ver, cmd, _, atyp = read_exact(s, 4)
            if atyp == 3:
                host = read_exact(s, read_exact(s, 1)[0]).decode("latin-1")
            elif atyp == 1:
                host = socket.inet_ntop(socket.AF_INET, read_exact(s, 4))
            elif atyp == 4:
                host = socket.inet_ntop(socket.AF_INET6, read_exact(s, 16))
            else:
                host = f"?atyp={atyp}"
            port = struct.unpack("!H", read_exact(s, 2))[0]
            log.write({"host": host, "port": port, "cmd": cmd})
            # 0x02: connection not allowed by ruleset
            s.sendall(b"\x05\x02\x00\x01\x00\x00\x00\x00\x00\x00")
        except (EOFError, OSError, ValueError) as e:
            log.write({"error": f"{type(e).__name__}: {e}"})


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    srv.log = Log(a.log)
    return announce_and_serve(srv, a.port_file)


if __name__ == "__main__":
    sys.exit(main())
