"""Writes deploy/hot-functions.txt, the link order of the release build (scripts/build-release): the gateway's
functions that a perf profile finds on the request path, hottest first, so that lld lays them out together.
Profiles the full path under wrk for JSON and streams at concurrency 32 and JSON at concurrency 1 (the report's
targets), on the release binary (BENCH_BINARY, as bench/quick.py). Rerun it after changes to the hot path and
rebuild; names that changed are skipped by the linker, so a stale file costs speed, never correctness.
Knobs: H_DUR (seconds per profile, default 8). Run: python3 bench/hot_functions.py"""
import collections, os, re, subprocess, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h

duration = int(os.environ.get("H_DUR", "8"))
OUTPUT = h.ROOT / "deploy" / "hot-functions.txt"
FRAME = re.compile(r"^[0-9a-f]+ (.+) \((.+)\)$")


def frames_by_sample(data, binary):
    """Each sample's stack, innermost first, as the binary's own (mangled) function names."""
    script = subprocess.run(["perf", "script", "-i", str(data), "--no-demangle", "-F", "ip,sym,dso"],
                            capture_output=True, text=True, check=True).stdout
    stack = []
    for line in script.splitlines() + [""]:
        line = line.strip()
        if not line:
            if stack:
                yield stack
            stack = []
            continue
        match = FRAME.match(line)
        if match and match.group(2) == str(binary) and match.group(1) != "[unknown]":
            stack.append(re.sub(r"\+0x[0-9a-f]+$", "", match.group(1)))


p = h.Processes()
try:
    t, gateway = h.start_small_stack(p)
    leaf, anywhere = collections.Counter(), collections.Counter()
    for mode, concurrency in (("json", 32), ("stream", 32), ("json", 1)):
        h.run_wrk(t, "switchboard-full", mode, concurrency, 2, f"warm-{mode}-{concurrency}")
        data = h.OUT / f"hot-{mode}-{concurrency}.data"
        recorder = subprocess.Popen(["perf", "record", "-e", "cpu-clock", "-F", "1999", "-g", "-p", str(gateway.pid), "-o", str(data),
                                     "--", "sleep", str(duration)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        h.run_wrk(t, "switchboard-full", mode, concurrency, duration, f"hot-{mode}-{concurrency}")
        recorder.wait()
        for stack in frames_by_sample(data, Path(h.BINARY).resolve()):
            leaf[stack[0]] += 1
            anywhere.update(set(stack))
    # The functions that run most first, then those that are only on the way to them.
    names = sorted(anywhere, key=lambda name: (-leaf[name], -anywhere[name], name))
    OUTPUT.write_text("".join(name + "\n" for name in names))
    print(f"{OUTPUT.relative_to(h.ROOT)}: {len(names)} functions ({sum(1 for name in names if leaf[name])} sampled running)")
finally:
    p.stop_all()
