"""Small HTTP/1.1 clients the benchmark needs beyond wrk (Python standard library only).

- `time_to_first_token`: one streamed request on a fresh connection; the time from sending it to the first
  `data:` line of the answer (the connection is opened before the clock starts).
- `hold_streams`: opens many concurrent streams and keeps them open while a callback measures the gateway.
"""

import asyncio
import json
import socket
import time


def post_request(port, path, body, key=None):
    """The bytes of a JSON POST to 127.0.0.1:port."""
    headers = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ]
    if key:
        headers.append(f"Authorization: Bearer {key}")
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


def time_to_first_token(port, path, body, key=None, timeout=10.0):
    """Seconds from sending a streamed request to the first `data:` line; reads the stream to its end."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        request = post_request(port, path, body, key)
        received = b""
        start = time.perf_counter()
        sock.sendall(request)
        first = None
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
            head, separator, payload = received.partition(b"\r\n\r\n")
            if separator and not head.startswith(b"HTTP/1.1 200"):
                # An error answer is not a stream: it ends without `[DONE]` on a connection kept open.
                raise RuntimeError(f"port {port}: {head.splitlines()[0]!r} {payload[:200]!r}")
            if first is None and b"data:" in payload:
                first = time.perf_counter() - start
            if first is not None and b"[DONE]" in payload:
                break
        if first is None:
            raise RuntimeError(f"port {port}: no data line in {received[:200]!r}")
        return first


async def _open_stream(port, request, established, stop, failures, opening):
    """One stream: connect, send, wait for the first `data:` line (holding a place in `opening` until then),
    then drain until told to stop."""
    await opening.acquire()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError as error:
        failures.append(f"connect: {error}")
        opening.release()
        return
    try:
        writer.write(request)
        received = b""
        while b"data:" not in received:
            if b"\r\n\r\n" in received and not received.startswith(b"HTTP/1.1 200"):
                status_line = received.split(b"\r\n", 1)[0].decode(errors="replace")
                failures.append(f"answered {status_line}")
                return
            chunk = await reader.read(65536)
            if not chunk:
                failures.append(f"closed before the first chunk: {received[:120]!r}")
                return
            received += chunk
        established.append(time.perf_counter())
        opening.release()
        opening = None
        while not stop.is_set():
            if not await reader.read(65536):
                failures.append("closed while held")
                return
    except OSError as error:
        failures.append(f"socket: {error}")
    finally:
        if opening is not None:
            opening.release()
        writer.close()


async def _hold_streams(port, requests, measure, settle_seconds, opening_window):
    established, failures, stop = [], [], asyncio.Event()
    # At most `opening_window` streams wait for their first chunk at once: a client that opened all of them
    # in one burst would measure how a 2-core box sheds a burst (listen-queue overflows, resets), not what
    # a held stream costs.
    opening = asyncio.Semaphore(opening_window)
    start = time.perf_counter()
    tasks = [asyncio.create_task(_open_stream(port, request, established, stop, failures, opening)) for request in requests]
    deadline = time.perf_counter() + 120
    while len(established) + len(failures) < len(requests) and time.perf_counter() < deadline:
        await asyncio.sleep(0.2)
    ramp_seconds = time.perf_counter() - start
    await asyncio.sleep(settle_seconds)
    result = measure()
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "requested": len(requests),
        "established": len(established),
        "failed": len(failures),
        "failure_examples": sorted(set(failures))[:5],
        "ramp_seconds": round(ramp_seconds, 2),
        "measured": result,
    }


def hold_streams(port, requests, measure, settle_seconds=3.0, opening_window=500):
    """Opens one stream per request (bytes), at most `opening_window` at a time still waiting for their
    first chunk; waits until each delivered it (or failed), waits `settle_seconds`, calls `measure()` while
    all are still open, then closes them. Returns counts and what `measure` returned."""
    return asyncio.run(_hold_streams(port, requests, measure, settle_seconds, opening_window))


def chat_body(model, stream, words=8):
    """A small chat request; `words` sets the length of the prompt (the mock echoes it word by word)."""
    content = " ".join(["hello"] * words)
    return json.dumps({"model": model, "stream": stream, "messages": [{"role": "user", "content": content}]}).encode()
