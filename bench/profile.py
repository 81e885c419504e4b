"""Profiles the gateway for A/B work on the hot path (not the report): perf on the full path under wrk, one
mode and concurrency, then the top self and inclusive entries. Knobs: P_MODE (json|stream, default json),
P_CONC (default 32), P_DUR (seconds, default 6). Uses the release binary (see bench/quick.py).
Run: python3 bench/profile.py"""
import os, sys, subprocess
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h

h.require_packages(perf="linux-perf")
mode = os.environ.get("P_MODE", "json")
conc = int(os.environ.get("P_CONC", "32"))
dur = int(os.environ.get("P_DUR", "6"))
p = h.Processes()
try:
    t, gw = h.start_small_stack(p)
    h.run_wrk(t, "switchboard-full", mode, conc, 2, "warm")
    def threads():
        result = {}
        for task in Path(f"/proc/{gw.pid}/task").iterdir():
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            result[task.name] = ((task / "comm").read_text().strip(), int(fields[11]) + int(fields[12]))
        return result
    before, threads_before = h.cpu_seconds(gw.pid), threads()
    s = h.run_wrk(t, "switchboard-full", mode, conc, dur, "measured")
    used = h.cpu_seconds(gw.pid) - before
    busy = {}
    for tid, (name, ticks) in threads().items():
        busy[name] = busy.get(name, 0) + ticks - threads_before.get(tid, (name, 0))[1]
    print("busy threads (CPU %):", {name: round(ticks / os.sysconf("SC_CLK_TCK") / dur * 100) for name, ticks in busy.items() if ticks})
    upstream = subprocess.run(["ss", "-tn", "state", "established", f"( dport = :{h.ORIGIN_PORT} )"], capture_output=True, text=True).stdout
    print(f"{mode} c={conc}: {s['rps']:.0f} req/s, p50 {s['latency_us']['p50']/1000:.3f} ms; gateway CPU {used / dur * 100:.0f}% "
          f"= {used / (s['rps'] * dur) * 1e6:.0f} us per request; upstream connections open: {len(upstream.splitlines()) - 1}")
    if os.environ.get("P_PERF", "1") == "0": sys.exit(0)
    data = h.OUT / "perf.data"
    recorder = subprocess.Popen(["perf", "record", "-e", "cpu-clock", "-F", "1999", "-g", "-p", str(gw.pid), "-o", str(data),
                                 "--", "sleep", str(dur)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    h.run_wrk(t, "switchboard-full", mode, conc, dur, "profiled")
    recorder.wait()
    for options, limit in ((["--no-children", "--sort", "symbol"], 40), (["--children", "--sort", "symbol"], 80)):
        report = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "-g", "none", "--percent-limit", "0.4", *options],
                                capture_output=True, text=True).stdout
        rows = [line for line in report.splitlines() if line.strip() and not line.startswith("#")]
        print("\n".join(row[:200] for row in rows[:limit]))
        print("-" * 80)
finally:
    p.stop_all()
