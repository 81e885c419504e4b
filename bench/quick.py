"""A quick side-by-side for iterating on the hot path (not the report): the origin, the nginx hop and the
gateway (full and minimal path) with wrk at a few concurrencies, in one run. Uses the release binary bench/run
builds (`scripts/build-release`, into .build-release). Knobs: Q_CONC (default
1,32), Q_MODES (json,stream), Q_DUR (seconds per run, default 3). Run: python3 bench/quick.py"""
import os, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h
conc = [int(c) for c in os.environ.get("Q_CONC", "1,32").split(",")]
modes = os.environ.get("Q_MODES", "json,stream").split(",")
dur = int(os.environ.get("Q_DUR", "3"))
p = h.Processes()
try:
    t, gw = h.start_small_stack(p)
    time.sleep(1)
    print("idle rss", h.rss_mib(gw.pid))
    for target in ["nginx-hop", "switchboard-full"]:
        for m in modes: h.run_wrk(t, target, m, 32, 2, f"warm-{target}-{m}")
    for m in modes:
        for c in conc:
            for target in ["direct", "nginx-hop", "switchboard-full", "switchboard-minimal"]:
                s = h.run_wrk(t, target, m, c, dur, f"{target}-{m}-{c}")
                print(f"{m:6} c={c:<3} {target:20} {s['rps']:>9.0f} req/s  p50 {s['latency_us']['p50']/1000:.3f} ms  p99 {s['latency_us']['p99']/1000:.3f} ms", flush=True)
    print("rss after", h.rss_mib(gw.pid))
finally:
    p.stop_all()
