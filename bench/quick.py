"""A quick side-by-side for iterating on the hot path (not the report): the origin, the nginx hop, the bare NIO
proxy (`nio-floor`) and the gateway (full and minimal path) with wrk at a few concurrencies, in one run, the
target order rotating each round. Prints the median requests/s (and its ratio to the hop), p50, p99 and, for the
floor and the gateway, CPU per request from /proc. Uses the release binaries bench/run builds
(`scripts/build-release` into .build-release, and bench/micro's ProxyFloor). Knobs: Q_CONC (default 1,32),
Q_MODES (json,stream), Q_DUR (seconds per run, default 3), Q_ROUNDS (default 1). Run: python3 bench/quick.py"""
import os, sys, statistics, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h

h.require_packages()
conc = [int(c) for c in os.environ.get("Q_CONC", "1,32").split(",")]
modes = os.environ.get("Q_MODES", "json,stream").split(",")
dur = int(os.environ.get("Q_DUR", "3"))
rounds = int(os.environ.get("Q_ROUNDS", "1"))
p = h.Processes()
try:
    t, gw = h.start_small_stack(p)
    pids = h.proxy_pids(p.running["floor"].pid, gw.pid)
    time.sleep(1)
    print("idle rss", h.rss_mib(gw.pid))
    for target in h.TARGETS:
        for m in modes: h.run_wrk(t, target, m, 32, 2, f"warm-{target}-{m}")
    results = {}
    for round_index in range(rounds):
        for m in modes:
            for c in conc:
                shift = round_index % len(h.TARGETS)
                for target in h.TARGETS[shift:] + h.TARGETS[:shift]:
                    s = h.run_wrk_charged(t, target, m, c, dur, f"r{round_index}-{target}-{m}-{c}", pids.get(target))
                    results.setdefault((m, c, target), []).append(
                        (s["rps"], s["latency_us"]["p50"], s["latency_us"]["p99"], s["cpu_us_per_request"]))
    for m in modes:
        for c in conc:
            hop = statistics.median(r[0] for r in results[(m, c, "nginx-hop")])
            for target in h.TARGETS:
                runs = results[(m, c, target)]
                rps = statistics.median(r[0] for r in runs)
                cpu = [r[3] for r in runs if r[3] is not None]
                print(f"{m:6} c={c:<3} {target:20} {rps:>9.0f} req/s ({rps / hop:.3f}x hop)  "
                      f"p50 {statistics.median(r[1] for r in runs) / 1000:.3f} ms  p99 {statistics.median(r[2] for r in runs) / 1000:.3f} ms"
                      + (f"  CPU {statistics.median(cpu):.0f} us/req" if cpu else ""), flush=True)
    print("rss after", h.rss_mib(gw.pid))
finally:
    p.stop_all()
