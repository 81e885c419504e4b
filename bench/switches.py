"""Executor switches per request and where they happen (not the report; for work on the task hops). Puts a
uprobe on the Swift runtime's `swift_task_switch` that records its `resumeFunction` argument (the async
function that continues after the switch), runs wrk on the full path, and prints switches per request by that
function, demangled. `swift_task_switch` is called wherever async code may change executors; under NIO's
global-executor hook most such calls enqueue the task on its event loop again (see bench/notes.md). Needs perf
with uprobes (root). Knobs: P_MODE (json|stream, default json), P_CONC (default 1), P_DUR (seconds, default 2),
SW_TOP (rows, default 40), BENCH_BINARY, SW_PROBE (`switch`, the default, or `alloc`: probes `swift_task_alloc`
instead and prints, by calling function, how many task allocations a request makes and of what sizes, which is how
a request's async frames were found to take a slab of their own each; see bench/notes.md).
Run: python3 bench/switches.py"""
import bisect, collections, os, re, subprocess, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h

h.require_packages(perf="linux-perf")

mode = os.environ.get("P_MODE", "json")
conc = int(os.environ.get("P_CONC", "1"))
dur = int(os.environ.get("P_DUR", "2"))
top = int(os.environ.get("SW_TOP", "40"))
allocs = os.environ.get("SW_PROBE", "switch") == "alloc"
# x86-64: for swift_task_switch the async context travels in r14, so the first ordinary argument (rdi) is the resume
# function; for swift_task_alloc rdi is the size and the return address, on top of the stack, is the caller.
function = "swift_task_alloc" if allocs else "swift_task_switch"
spec = "swift_task_alloc fn=+0(%sp):u64 size=%di:u64" if allocs else "swift_task_switch fn=%di:u64"
# The Concurrency runtime: its shared library, or the binary itself when linked with --static-swift-stdlib.
runtime = next((line.split("=>")[1].split()[0] for line in subprocess.run(["ldd", str(h.BINARY)], capture_output=True, text=True).stdout.splitlines()
                if "libswift_Concurrency" in line), str(h.BINARY))
subprocess.run(["perf", "probe", "-q", "-x", runtime, "-d", function], capture_output=True)
added = subprocess.run(["perf", "probe", "-x", runtime, "--add", spec], check=True, capture_output=True, text=True)
# The event's group is perf's own abbreviation of the file name (`sb-alloc` becomes `probe_sb`): read it back.
event = re.search(rf"(probe_\w+:{function})", added.stdout + added.stderr).group(1)
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
    subprocess.run(["perf", "probe", "-q", "-x", runtime, "-d", function], capture_output=True)

trace = subprocess.run(["perf", "script", "-i", str(data)], capture_output=True, text=True).stdout
samples = [(int(match.group(1)), int(match.group(2) or 0)) for match in re.finditer(r"fn=([0-9]+)(?: size=([0-9]+))?", trace)]
calls = collections.Counter(address for address, _ in samples)
sizes_at = collections.defaultdict(collections.Counter)
for address, size in samples:
    sizes_at[address][size] += 1
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
sizes_by_function = collections.defaultdict(collections.Counter)
for address, count in calls.items():
    by_function[symbol(address)] += count
    sizes_by_function[symbol(address)].update(sizes_at[address])
print(f"{mode} c={conc}: {requests} requests, {sum(calls.values()) / max(1, requests):.1f} {function} calls per request")
for (name, library), count in by_function.most_common(top):
    readable = subprocess.run(["swift", "demangle", "--compact", name], capture_output=True, text=True).stdout.strip() or name
    sizes = ""
    if allocs:
        sizes = "  bytes: " + ", ".join(f"{size} x{n / max(1, requests):.2f}" for size, n in sizes_by_function[(name, library)].most_common(3))
    print(f"{count / max(1, requests):6.2f}  {readable[:140]}  [{library}]{sizes}")
