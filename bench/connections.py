"""What a new client connection costs the gateway (not the report): at concurrency 1, requests each on a fresh
connection against requests on one kept-alive connection, for the origin and the gateway's full path (JSON).
Prints the median time to the answer and the gateway's CPU per request. Knobs: C_REQUESTS (default 2000),
C_ROUNDS (default 2). Uses the release binary (see bench/quick.py). Run: python3 bench/connections.py"""
import os, socket, statistics, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import clients
import harness as h

requests = int(os.environ.get("C_REQUESTS", "2000"))
rounds = int(os.environ.get("C_ROUNDS", "2"))


def connect(port):
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def exchange(sock, request):
    """Milliseconds from sending `request` to the end of its JSON answer."""
    start = time.perf_counter()
    sock.sendall(request)
    received = b""
    while not received.rstrip().endswith(b"}") or b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError(f"closed early: {received[:200]!r}")
        received += chunk
    return (time.perf_counter() - start) * 1000


p = h.Processes()
try:
    t, gateway = h.start_small_stack(p)
    for round_index in range(rounds):
        for target in ("direct", "switchboard-full"):
            port = t.port(target)
            request = clients.post_request(port, t.path(target, "json"), t.body(target, "json"), t.key(target))
            before = h.cpu_seconds(gateway.pid)
            fresh = []
            for _ in range(requests):
                with connect(port) as sock:
                    fresh.append(exchange(sock, request))
            middle = h.cpu_seconds(gateway.pid)
            with connect(port) as sock:
                kept = [exchange(sock, request) for _ in range(requests)]
            after = h.cpu_seconds(gateway.pid)
            line = f"round {round_index} {target:17} fresh {statistics.median(fresh):.3f} ms | kept {statistics.median(kept):.3f} ms"
            if target != "direct":
                line += f" | gateway CPU/request fresh {(middle - before) / requests * 1e6:.0f} us, kept {(after - middle) / requests * 1e6:.0f} us"
            print(line, flush=True)
finally:
    p.stop_all()
