"""Helpers shared by the end-to-end check scripts: free loopback ports and waiting for a server to answer."""
import socket
import time
import urllib.request


def free_port():
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url, deadline=30):
    """Returns once `url` answers, or raises after `deadline` seconds."""
    end = time.time() + deadline
    while time.time() < end:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")
