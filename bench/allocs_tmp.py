"""Executor switches per request and where they happen (not the report; for work on the task hops). Puts a
uprobe on the Swift runtime's `swift_task_switch` that records its `resumeFunction` argument (the async
function that continues after the switch), runs wrk on the full path, and prints switches per request by that
function, demangled. `swift_task_switch` is called wherever async code may change executors; under NIO's
global-executor hook most such calls enqueue the task on its event loop again (see bench/notes.md). Needs perf
with uprobes (root). Knobs: P_MODE (json|stream, default json), P_CONC (default 1), P_DUR (seconds, default 2),
SW_TOP (rows, default 40), BENCH_BINARY. Run: python3 bench/switches.py"""
import bisect, collections, os, re, subprocess, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h

h.require_packages(perf="linux-perf")

mode = os.environ.get("P_MODE", "json")
conc = int(os.environ.get("P_CONC", "1"))
dur = int(os.environ.get("P_DUR", "2"))
top = int(os.environ.get("SW_TOP", "40"))
# The Concurrency runtime: its shared library, or the binary itself when linked with --static-swift-stdlib.
runtime = next((line.split("=>")[1].split()[0] for line in subprocess.run(["ldd", str(h.BINARY)], capture_output=True, text=True).stdout.splitlines()
                if "libswift_Concurrency" in line), str(h.BINARY))
# x86-64: the async context travels in r14, so the first ordinary argument (rdi) is the resume function.
subprocess.run(["perf", "probe", "-q", "-x", runtime, "-d", "swift_task_alloc"], capture_output=True)
added = subprocess.run(["perf", "probe", "-x", runtime, "--add", "swift_task_alloc fn=+0(%sp):u64 size=%di:u64"], check=True, capture_output=True, text=True)
# The event's group is perf's own abbreviation of the file name (`sb-alloc` becomes `probe_sb`): read it back.
event = re.search(r"(probe_\w+:swift_task_alloc)", added.stdout + added.stderr).group(1)
data = h.OUT / "switches.data"
p = h.Processes()
try:
    t, gw = h.start_small_stack(p)
    h.run_wrk(t, "switchboard-full", mode, conc, 2, "warm")
    regions, bases = [], {}
    for line in Path(f"/proc/{gw.pid}/maps").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 6:
            low, high = (int(x, 16) for x in parts[0].split("-"))
            if int(parts[2], 16) == 0:
                bases.setdefault(parts[5], low)  # where the file's first byte, virtual address 0, is loaded
            if "x" in parts[1]:
                regions.append((low, high, parts[5]))
    recorder = subprocess.Popen(["perf", "record", "-q", "-e", event, "-p", str(gw.pid), "-o", str(data),
                                 "--", "sleep", str(dur)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    requests = h.run_wrk(t, "switchboard-full", mode, conc, dur, "switches")["requests"]
    recorder.wait()
finally:
    p.stop_all()
    subprocess.run(["perf", "probe", "-q", "-x", runtime, "-d", "swift_task_alloc"], capture_output=True)

trace = subprocess.run(["perf", "script", "-i", str(data)], capture_output=True, text=True).stdout
pairs = [(int(m.group(1)), int(m.group(2))) for m in re.finditer(r"fn=([0-9]+) size=([0-9]+)", trace)]
calls = collections.Counter(a for a, _ in pairs)
sizes = collections.Counter(s for _, s in pairs)
bysize = {}
for a, s in pairs: bysize.setdefault(a, collections.Counter())[s] += 1
symbols = {}


def symbol(address):
    for low, high, path in regions:
        if low <= address < high:
            if path not in symbols:
                listing = subprocess.run(["nm", "-n", "--defined-only", path], capture_output=True, text=True).stdout.splitlines()
                if not listing:
                    listing = subprocess.run(["nm", "-D", "-n", "--defined-only", path], capture_output=True, text=True).stdout.splitlines()
                entries = [(int(fields[0], 16), fields[2]) for fields in (line.split() for line in listing)
                           if len(fields) >= 3 and re.fullmatch(r"[0-9a-f]+", fields[0])]
                symbols[path] = ([entry[0] for entry in entries], [entry[1] for entry in entries])
            starts, names = symbols[path]
            index = bisect.bisect_right(starts, address - bases.get(path, low)) - 1
            return (names[index] if index >= 0 else "?"), os.path.basename(path)
    return hex(address), "?"


by_function = collections.Counter()
for address, count in calls.items():
    by_function[symbol(address)] += count
print(f"{mode} c={conc}: {requests} requests, {sum(calls.values()) / max(1, requests):.1f} swift_task_switch calls per request")
print("sizes:", sorted(((s, round(c / max(1, requests), 2)) for s, c in sizes.items()), key=lambda x: -x[0])[:40])
sz = collections.defaultdict(collections.Counter)
for address, counter in bysize.items(): sz[symbol(address)].update(counter)
for (name, library), count in by_function.most_common(top):
    print("   ", dict(sz[(name, library)]))
    readable = subprocess.run(["swift", "demangle", "--compact", name], capture_output=True, text=True).stdout.strip() or name
    print(f"{count / max(1, requests):6.2f}  {readable[:160]}  [{library}]")
