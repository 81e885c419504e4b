"""A/B of two gateway builds in one run (not the report): both serve the same nginx origin, full path (virtual
key, JSON logs at info), and wrk alternates between them, so the machine's noise hits both alike.
Run: python3 bench/ab.py BINARY_A BINARY_B. Knobs: AB_CONC (default 1,32), AB_MODES (json,stream; `ttft` adds
the time to the first token on a fresh connection, 300 samples each, A and B alternating), AB_ROUNDS
(default 5), AB_DUR (seconds per run, default 3). Prints the median req/s, p50 and gateway CPU per request."""
import os, sys, statistics, subprocess
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import clients
import harness as h

h.require_packages()

binaries = {"A": Path(sys.argv[1]).resolve(), "B": Path(sys.argv[2]).resolve()}
conc = [int(c) for c in os.environ.get("AB_CONC", "1,32").split(",")]
modes = os.environ.get("AB_MODES", "json,stream").split(",")
rounds = int(os.environ.get("AB_ROUNDS", "5"))
dur = int(os.environ.get("AB_DUR", "3"))


p = h.Processes()
try:
    t, _ = h.start_small_stack(p)  # nginx, the mock and gateway A's data directory with its virtual key
    p.stop("gateway")
    gateways = {}
    for index, (name, binary) in enumerate(binaries.items()):
        env = {**h.gateway_env(h.OUT / "data"), "SWITCHBOARD_DATA_DIR": str(h.OUT / f"data-{name}")}
        subprocess.run(["cp", "-r", str(h.OUT / "data"), str(h.OUT / f"data-{name}")], check=True)
        port = h.GATEWAY_PORT + 10 + index
        gateways[name] = (p.start(f"gateway-{name}", [str(binary), "serve", "--port", str(port)], env), port)
        h.wait_for(port, "/ready")
    results = {}
    if "ttft" in modes:
        path, body, key = t.path("switchboard-full", "stream"), t.body("switchboard-full", "stream"), t.key("switchboard-full")
        times = {"A": [], "B": []}
        for index in range(310):
            for name in (("A", "B") if index % 2 == 0 else ("B", "A")):
                elapsed = clients.time_to_first_token(gateways[name][1], path, body, key) * 1000
                if index >= 10:  # the first ten are warm-up
                    times[name].append(elapsed)
        a, b = (statistics.median(times[n]) for n in ("A", "B"))
        print(f"ttft   c=1   A p50 {a:.3f} ms | B p50 {b:.3f} ms | B-A {b - a:+.3f} ms", flush=True)
    for mode in (m for m in modes if m != "ttft"):
        for c in conc:
            for round_index in range(rounds):
                for name in (("A", "B") if round_index % 2 == 0 else ("B", "A")):
                    process, port = gateways[name]
                    before = h.cpu_seconds(process.pid)
                    s = h.run_wrk(t, "switchboard-full", mode, c, dur, f"ab-{name}-{mode}-{c}-{round_index}", port=port)
                    used = h.cpu_seconds(process.pid) - before
                    results.setdefault((mode, c, name), []).append((s["rps"], s["latency_us"]["p50"], used / max(1, s["rps"] * dur) * 1e6))
            row = []
            for name in ("A", "B"):
                rps, p50, cpu = (statistics.median(x[i] for x in results[(mode, c, name)]) for i in range(3))
                row.append(f"{name} {rps:>7.0f} req/s p50 {p50 / 1000:.3f} ms {cpu:>4.0f} us CPU/req")
            a, b = (statistics.median(x[0] for x in results[(mode, c, n)]) for n in ("A", "B"))
            print(f"{mode:6} c={c:<3} " + " | ".join(row) + f" | B/A {b / a:.2f}x", flush=True)
finally:
    p.stop_all()
