"""What the gateway's heap holds per open stream (not the report; for work on the per-stream memory). Runs the
full path (virtual key) under heaptrack in front of mocks that keep streams open, holds BENCH_STREAMS streams
(default 1000), and ends the gateway with `_exit` (through gdb) while they are all still open, so that
heaptrack's "leaked" memory is exactly what the open streams hold. Prints the total and the top holders,
grouped by the first frame that is not an allocator. Needs heaptrack and gdb (Debian packages; installed
when missing). Knobs: BENCH_STREAMS, BENCH_BINARY, HEAP_TOP (rows, default 30). Run: python3 bench/heap.py"""
import collections, os, re, shutil, subprocess, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import clients
import harness as h

h.require_packages(heaptrack="heaptrack", gdb="gdb")
count = int(os.environ.get("BENCH_STREAMS", "1000"))
if h.OUT.exists():
    shutil.rmtree(h.OUT)
for folder in ("logs", "wrk", "data"):
    (h.OUT / folder).mkdir(parents=True)
h.write_configs(h.hold_upstreams(count))
env = h.gateway_env(h.OUT / "data")
profile = h.OUT / "heap"
p = h.Processes()


def end_gateway():
    """Ends the gateway at once, without freeing anything, while the streams are open."""
    pid = subprocess.run(["pgrep", "-f", f"^{h.BINARY} serve --port {h.GATEWAY_PORT}"], capture_output=True, text=True).stdout.split()[0]
    # gdb sees its inferior exit inside the call, which it reports as an internal error: no core file for it.
    subprocess.run(["gdb", "-p", pid, "-batch", "-nx", "-iex", "maint set internal-error corefile no", "-iex", "set auto-solib-add off",
                    "-ex", "sharedlibrary libc", "-ex", "call (void)_exit(0)"], capture_output=True, timeout=120, cwd=h.OUT)
    return {}


try:
    key = h.create_virtual_key(env)
    for index in range(h.hold_upstreams(count)):
        p.start(f"hold{index}", [str(h.BINARY), "mock-upstream", "--port", str(h.HOLD_PORT_BASE + index)])
    recorder = p.start("gateway", ["heaptrack", "-o", str(profile), str(h.BINARY), "serve", "--port", str(h.GATEWAY_PORT)], env)
    h.wait_for(h.GATEWAY_PORT, "/ready", timeout=60)
    requests = [clients.post_request(h.GATEWAY_PORT, "/v1/chat/completions",
                                     clients.chat_body(f"hold{index % h.hold_upstreams(count)}/{h.HOLD_MODEL}", True, words=300), key)
                for index in range(count)]
    held = clients.hold_streams(h.GATEWAY_PORT, requests, end_gateway)
    recorder.wait(timeout=120)
finally:
    p.stop_all()

report = subprocess.run(["heaptrack_print", "-f", str(profile) + ".zst", "--print-peaks", "0", "--print-allocators", "0",
                         "--print-temporary", "0", "--print-leaks", "1", "--peak-limit", "400",
                         "--merge-backtraces", "0"], capture_output=True, text=True).stdout
total = re.search(r"total memory leaked: (\S+)", report).group(1)
print(f"{held['established']} streams open (failed {held['failed']}); heap in use when the gateway ended: {total}")
units = {"": 1, "K": 1e3, "M": 1e6, "G": 1e9}
allocator = re.compile(r"swift_allocObject|swift_slowAlloc|ContiguousArray|_allocate|StackAllocator|ByteBuffer|malloc|Dictionary"
                       r"|_Native|swift_task_alloc|^\$sS[aShqy]|swift_job_run|runJobIn")
holders, calls = collections.Counter(), collections.Counter()
for block in re.split(r"\n(?=[0-9.]+[KMG]?B? leaked over)", report):
    lines = [line.strip() for line in block.splitlines()]
    match = lines and re.match(r"([0-9.]+)([KMG]?)B? leaked over (\d+) calls", lines[0])
    if not match:
        continue
    frames = [line for line in lines[1:] if line and not line.startswith(("at ", "in "))]
    holder = next((frame for frame in frames if not allocator.search(frame)), frames[0] if frames else "?")
    if any("StackAllocator" in frame for frame in frames[:2]):
        holder = "task stack: " + holder
    holders[holder] += float(match.group(1)) * units[match.group(2)]
    calls[holder] += int(match.group(3))
for holder, size in holders.most_common(int(os.environ.get("HEAP_TOP", "30"))):
    symbol = holder.split()[-1]
    name = subprocess.run(["swift", "demangle", "--simplified", "--compact", symbol], capture_output=True, text=True).stdout.strip()
    prefix = "task stack: " if holder.startswith("task stack") else ""
    print(f"{size / max(1, held['established']):8.0f} B/stream {calls[holder] / max(1, held['established']):5.1f}x  {prefix}{name[:110]}")
