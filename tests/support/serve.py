"""
serve.py - how every loopback fake (fake_aws.py, fake_smtp.py, socks_recorder.py) starts:
its port written atomically to the file the test waits on (fakes.sh's _wait_port), then
served until it is killed.
"""

import os


def announce(port, port_file):
    """Write the port to port_file via a temporary file: never half-written."""
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{port}\n")
    os.replace(tmp, port_file)


def announce_and_serve(srv, port_file):
    """Write srv's port to port_file, then serve until SIGINT/SIGTERM ends the process.
    Returns 0, the fake's exit status."""
    announce(srv.server_address[1], port_file)
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    return 0
