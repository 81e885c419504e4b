"""Instructions per proxied request, counted by callgrind (not the report; for A/B work on the hot path). Wall-clock
A/B on this shared two-core box resolves about 5% at best (`ab.py`); an instruction count is the same from run to
run within about 1%, so it tells apart changes of a few per cent. It is a proxy for time, not time: a cache miss
costs more than an instruction, a system call's kernel side is not counted.

Each binary, in turn, serves the full path (virtual key, JSON logs at info) in front of nginx under
`valgrind --tool=callgrind`, with counting switched on only for a wrk run at concurrency 4 (after a warm-up).
Counts cover every thread of the gateway, so the usage ledger's writes are in. Debug info is stripped from a copy of
each binary first: valgrind cannot read the Swift compiler's DWARF 5. Needs valgrind (a Debian package; installed
when missing).

Run: python3 bench/instructions.py BINARY [BINARY ...]. Knobs: I_MODE (json|stream, default json), I_DUR (seconds
counted, default 8), I_TOP (self-cost rows to print per binary, default 0), I_WORDS (words in the prompt, default 8,
as the report's; 2000 is a prompt of about 12 KB, to see the costs that grow with the body), I_KEY (the bearer key sent
instead of the virtual key: any wrong key counts a refused request, 401, from the connection to the error body)."""
import os, re, shutil, signal, subprocess, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import clients
import harness as h

h.require_packages(valgrind="valgrind")
mode = os.environ.get("I_MODE", "json")
duration = int(os.environ.get("I_DUR", "8"))
top = int(os.environ.get("I_TOP", "0"))
words = int(os.environ.get("I_WORDS", "8"))


def count(binary):
    """(instructions per request, callgrind output file) for one binary."""
    stripped = Path(tempfile.mkdtemp()) / binary.name
    subprocess.run(["strip", "--strip-debug", "-o", str(stripped), str(binary)], check=True)
    if h.OUT.exists():
        shutil.rmtree(h.OUT)
    for folder in ("logs", "wrk", "data"):
        (h.OUT / folder).mkdir(parents=True)
    h.write_configs(0)
    env = h.gateway_env(h.OUT / "data")
    targets = h.Targets(h.create_virtual_key(env))
    if os.environ.get("I_KEY"):
        targets.keys["switchboard-full"] = os.environ["I_KEY"]
    model = ("sse/" if mode == "stream" else "openai/") + "gpt-4o-mini"
    targets.body_file("switchboard-full", mode).write_bytes(clients.chat_body(model, stream=mode == "stream", words=words))
    output = h.OUT / "callgrind.out"
    p = h.Processes()
    try:
        p.start("nginx", ["nginx", "-c", str(h.OUT / "nginx.conf"), "-p", str(h.OUT), "-e", str(h.OUT / "nginx-error.log")])
        gateway = p.start("gateway", ["valgrind", "--tool=callgrind", f"--callgrind-out-file={output}", "--instr-atstart=no",
                                      "--separate-threads=no", str(stripped), "serve", "--port", str(h.GATEWAY_PORT)], env)
        h.wait_for(h.GATEWAY_PORT, "/ready", timeout=180)
        h.run_wrk(targets, "switchboard-full", mode, 4, 3, "warm")
        subprocess.run(["callgrind_control", "-i", "on", str(gateway.pid)], capture_output=True, check=True)
        summary = h.run_wrk(targets, "switchboard-full", mode, 4, duration, "counted")
        time.sleep(0.5)  # the ledger's batch write of the counted requests
        subprocess.run(["callgrind_control", "-i", "off", str(gateway.pid)], capture_output=True, check=True)
        subprocess.run(["callgrind_control", "-d", str(gateway.pid)], capture_output=True, check=True)
        # Killed, not stopped: under valgrind a graceful shutdown takes minutes, and the counts are dumped already.
        os.kill(gateway.pid, signal.SIGKILL)
        gateway.wait(timeout=60)
    finally:
        p.stop_all()
        shutil.rmtree(stripped.parent, ignore_errors=True)
    dump = next(path for path in sorted(h.OUT.glob("callgrind.out*")) if path.stat().st_size > 0)
    totals = int(re.search(r"^totals: (\d+)", dump.read_text(errors="replace"), re.M).group(1))
    return totals / summary["requests"], dump, summary["requests"]


def self_costs(dump, requests, rows):
    """The functions with the most instructions of their own, per request, demangled."""
    report = subprocess.run(["callgrind_annotate", "--threshold=100", str(dump)], capture_output=True, text=True).stdout
    entries = []
    for line in report.splitlines():
        match = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+\S*?:(\S+)", line)
        if match:
            entries.append((int(match.group(1).replace(",", "")), match.group(2)))
    entries.sort(reverse=True)
    names = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(e[1] for e in entries[:rows]),
                           capture_output=True, text=True).stdout.splitlines()
    for (instructions, _), name in zip(entries, names):
        print(f"    {instructions / requests:9.0f}  {name[:150]}")


results = []
for argument in sys.argv[1:]:
    binary = Path(argument).resolve()
    per_request, dump, requests = count(binary)
    results.append((binary, per_request))
    print(f"{binary}: {per_request:,.0f} instructions per {mode} request ({requests} requests counted)")
    if top:
        self_costs(dump, requests, top)
if len(results) > 1:
    base = results[0][1]
    for binary, per_request in results[1:]:
        print(f"{binary.name} / {results[0][0].name}: {per_request / base:.3f}")
