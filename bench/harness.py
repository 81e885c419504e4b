#!/usr/bin/env python3
"""The Switchboard benchmark (issue 7). Run through `bench/run`, which installs wrk and nginx and builds first.

Targets, measured interleaved in one run against the same origin:
  direct               nginx answering fixed OpenAI bodies (JSON and a whole SSE stream)
  nginx-hop            an nginx reverse proxy in front of it: the reference for "one proxy hop"
  nio-floor            a bare SwiftNIO proxy in front of it (bench/micro's ProxyFloor): what the stack alone costs
  switchboard-full     the gateway with a virtual key: rate limits and budgets (never triggered), usage ledger
  switchboard-minimal  the gateway with the admin key: no limits, no budget (the ledger still records)

Writes bench/out/ (logs, raw wrk output, perf data), docs/performance.json, and docs/performance.md (through
bench/report.py). Everything listens on 127.0.0.1 only. Knobs (environment): BENCH_DURATION (s per wrk run,
default 4), BENCH_ROUNDS (default 3), BENCH_STREAMS (default 10000), BENCH_PORT_BASE (default 18080),
BENCH_PROFILE=0 to skip perf, BENCH_MICRO=0 to skip the micro-benchmarks; BENCH_REF=<commit> makes bench/run
build and measure a clean export of that commit.
"""

import http.client
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import clients
import report

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
BINARY = Path(os.environ.get("BENCH_BINARY", ROOT / ".build-release" / "release" / "switchboard"))

DURATION = int(os.environ.get("BENCH_DURATION", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
STREAMS = int(os.environ.get("BENCH_STREAMS", "10000"))
PORT_BASE = int(os.environ.get("BENCH_PORT_BASE", "18080"))
CONCURRENCY = [1, 4, 32, 256]
MODES = ["json", "stream"]
TARGETS = ["direct", "nginx-hop", "nio-floor", "switchboard-full", "switchboard-minimal"]

ORIGIN_PORT, HOP_PORT, GATEWAY_PORT, MOCK_PORT, FLOOR_PORT = (PORT_BASE + offset for offset in range(1, 6))
# NIO's HTTP/1 codec on both sides and nothing else: the floor of any proxy built on this stack (bench/run builds it).
FLOOR_BINARY = BENCH / "micro" / ".build" / "release" / "ProxyFloor"
HOLD_PORT_BASE = PORT_BASE + 100
# Held streams are spread over several mock upstreams of 250 streams each, so that no single mock process (a
# Hummingbird server on the same two cores) holds thousands of connections; the gateway's pool has no cap.
STREAMS_PER_HOLD_UPSTREAM = 250
# Descriptors the gateway needs beside two per held stream: after the load stages it still pools a few hundred
# upstream connections, and the database, logs and listeners hold more. A run that ran out of descriptors would
# measure exhaustion (connects failing, circuits opening), not what a held stream costs.
FD_RESERVE = 600
# Held streams get their first chunk at once and then one every 5 s: 10,000 streams at one chunk a second
# saturate this 2-core box (mocks, client and gateway share it), and the ramp then stalls short of the count.
HOLD_MODEL = "gpt-4o-mini@first-chunk-delay-ms=0,chunk-delay-ms=5000"
TIMED_MODEL = "gpt-4o-mini@chunk-delay-ms=20"
ADMIN_KEY = "bench-admin-key-not-a-secret"

# The load generator and the origin: bench/run installs them, and the side tools (ab.py, instructions.py, heap.py,
# quick.py, profile.py, switches.py) call require_packages themselves, since they may be the first thing run.
LOAD_TOOLS = {"wrk": "wrk", "nginx": "nginx-light"}


def require_packages(tools=None, **more):
    """Installs the Debian packages of the commands that are missing: tools maps a command to its package."""
    wanted = {**(LOAD_TOOLS if tools is None else tools), **more}
    missing = sorted({package for command, package in wanted.items() if not shutil.which(command)})
    if not missing:
        return
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", *missing], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


# --------------------------------------------------------------------------------------------------------------
# Fixed upstream answers (what nginx serves): a realistic completion, and a 12-token stream with usage.

COMPLETION = json.dumps({
    "id": "chatcmpl-bench", "object": "chat.completion", "created": 1763900000, "model": "gpt-4o-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "The quick brown fox jumps over the lazy dog and runs away."},
                 "logprobs": None, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 25, "completion_tokens": 12, "total_tokens": 37, "prompt_tokens_details": {"cached_tokens": 0}},
    "system_fingerprint": "fp_bench",
}, separators=(",", ":"))


def stream_body():
    def chunk(delta, finish=None, choices=True, usage=None):
        value = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1763900000, "model": "gpt-4o-mini",
                 "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}] if choices else [],
                 "usage": usage}
        return "data: " + json.dumps(value, separators=(",", ":")) + "\n\n"
    words = "The quick brown fox jumps over the lazy dog and runs away.".split()
    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": word if index == 0 else " " + word}) for index, word in enumerate(words)]
    events.append(chunk({}, finish="stop"))
    events.append(chunk(None, choices=False, usage={"prompt_tokens": 25, "completion_tokens": 12, "total_tokens": 37}))
    return "".join(events) + "data: [DONE]\n\n"


# --------------------------------------------------------------------------------------------------------------
# Processes

class Processes:
    """The servers this run started; each is stopped by its own pid at the end."""

    def __init__(self):
        self.running = {}

    def start(self, name, command, env=None):
        log = open(OUT / "logs" / f"{name}.log", "ab")
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=OUT)
        self.running[name] = process
        return process

    def stop(self, name, sig=signal.SIGTERM, timeout=30):
        process = self.running.pop(name)
        if process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def stop_all(self):
        for name in list(self.running):
            self.stop(name, signal.SIGQUIT if name == "nginx" else signal.SIGTERM)


def wait_for(port, path, timeout=30.0, interval=0.002):
    """Polls GET path until it answers 200; returns the seconds it took."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return time.perf_counter() - start
        except OSError:
            pass
        time.sleep(interval)
    raise RuntimeError(f"127.0.0.1:{port}{path} did not answer 200 within {timeout}s")


def cpu_seconds(pid):
    """User plus system CPU the process has used, from /proc, seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid):
    """Resident set size from /proc, MiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


class PeakRSS:
    """Samples a process's RSS every 100 ms in a thread, keeping the peak."""

    def __init__(self, pid):
        self.pid, self.peak, self.stopped = pid, 0.0, threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self):
        while not self.stopped.wait(0.1):
            self.peak = max(self.peak, rss_mib(self.pid))

    def __enter__(self):
        self.peak = rss_mib(self.pid)
        self.thread.start()
        return self

    def __exit__(self, *_):
        self.stopped.set()
        self.thread.join()


# --------------------------------------------------------------------------------------------------------------
# Set-up

def gateway_env(data_dir):
    return {
        **os.environ, "SWITCHBOARD_ADMIN_KEY": ADMIN_KEY, "LOG_LEVEL": "info", "LOG_FORMAT": "json", "OPENAI_API_KEY": "dummy",
        "OPENAI_BASE_URL": f"http://127.0.0.1:{ORIGIN_PORT}/v1", "SWITCHBOARD_DATA_DIR": str(data_dir),
        "SWITCHBOARD_CONFIG": str(OUT / "gateway.yaml"),
    }


def write_configs(hold_upstreams):
    nginx = (BENCH / "nginx.conf.in").read_text()
    for name, value in {"RUN": str(OUT), "ORIGIN_PORT": str(ORIGIN_PORT), "HOP_PORT": str(HOP_PORT),
                        "COMPLETION": COMPLETION, "STREAM": stream_body()}.items():
        nginx = nginx.replace(f"@{name}@", value)
    (OUT / "nginx.conf").write_text(nginx)
    # Workers may run as another user when started as root: let them use the temp folders.
    (OUT / "nginx-tmp").mkdir()
    os.chmod(OUT / "nginx-tmp", 0o777)

    # Providers besides `openai` (from the environment, JSON answers): `sse` (nginx, a whole stream at once),
    # `timed` (the mock with timed chunks) and `holdN` (mocks that keep streams open).
    provider = "{{ kind: openai, api_key: env:OPENAI_API_KEY, base_url: http://127.0.0.1:{}{} }}"
    lines = ["providers:", "  sse: " + provider.format(ORIGIN_PORT, "/sse/v1"), "  timed: " + provider.format(MOCK_PORT, "/v1")]
    lines += [f"  hold{index}: " + provider.format(HOLD_PORT_BASE + index, "/v1") for index in range(hold_upstreams)]
    # The mock's fault suffix is part of the upstream model name; price it like the model it stands for.
    lines += ["pricing:"] + [f'  "{model}": {{ input: 0.15, cached_input: 0.075, output: 0.60, max_output_tokens: 16384 }}'
                             for model in (TIMED_MODEL, HOLD_MODEL)]
    (OUT / "gateway.yaml").write_text("\n".join(lines) + "\n")


def create_virtual_key(env):
    """A tenant and key whose limits and budget apply to every request but never trigger."""
    limits = ["--rpm", "100000000", "--tpm", "100000000000", "--budget-usd", "1000000", "--period", "total"]
    subprocess.run([str(BINARY), "tenants", "create", "bench", *limits], env=env, check=True, capture_output=True)
    created = subprocess.run([str(BINARY), "keys", "create", "--tenant", "bench", "--name", "bench", *limits],
                             env=env, check=True, capture_output=True, text=True).stdout
    return re.search(r"sk-sb-[A-Za-z0-9_\-]+", created).group(0)


class Targets:
    """Where each target listens, and the request body and key it gets."""

    def __init__(self, virtual_key):
        self.keys = {"switchboard-full": virtual_key, "switchboard-minimal": ADMIN_KEY}
        (OUT / "bodies").mkdir()
        for target in TARGETS:
            for mode in MODES:
                self.body_file(target, mode).write_bytes(self.body(target, mode))

    @staticmethod
    def port(target):
        return {"direct": ORIGIN_PORT, "nginx-hop": HOP_PORT, "nio-floor": FLOOR_PORT}.get(target, GATEWAY_PORT)

    @staticmethod
    def path(target, mode):
        return "/sse/v1/chat/completions" if mode == "stream" and not target.startswith("switchboard") else "/v1/chat/completions"

    @staticmethod
    def body(target, mode):
        # Through the gateway the provider prefix picks the origin route; the origin ignores the model.
        model = ("sse/" if mode == "stream" else "openai/") + "gpt-4o-mini" if target.startswith("switchboard") else "gpt-4o-mini"
        return clients.chat_body(model, stream=mode == "stream")

    @staticmethod
    def body_file(target, mode):
        return OUT / "bodies" / f"{target}-{mode}.json"

    def key(self, target):
        return self.keys.get(target)


def preflight(targets):
    """Every target answers both modes correctly before anything is measured."""
    for target in TARGETS:
        for mode in MODES:
            connection = http.client.HTTPConnection("127.0.0.1", targets.port(target), timeout=5)
            headers = {"Content-Type": "application/json"}
            if targets.key(target):
                headers["Authorization"] = f"Bearer {targets.key(target)}"
            connection.request("POST", targets.path(target, mode), targets.body(target, mode), headers)
            response = connection.getresponse()
            text = response.read().decode()
            expected = "data: [DONE]" if mode == "stream" else '"chat.completion"'
            if response.status != 200 or expected not in text:
                raise RuntimeError(f"preflight {target} {mode}: {response.status} {text[:300]}")


# --------------------------------------------------------------------------------------------------------------
# Measurements

def run_wrk(targets, target, mode, concurrency, duration, label, port=None):
    """One wrk run (at `port` instead of the target's when given); returns the parsed summary (and saves wrk's own
    output)."""
    env = {**os.environ, "BENCH_BODY": str(targets.body_file(target, mode)), "BENCH_KEY": targets.key(target) or ""}
    url = f"http://127.0.0.1:{port or targets.port(target)}{targets.path(target, mode)}"
    command = ["wrk", "-t", str(min(2, concurrency)), "-c", str(concurrency), "-d", f"{duration}s", "--latency",
               "--timeout", "10s", "-s", str(BENCH / "post.lua"), url]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    (OUT / "wrk" / f"{label}.txt").write_text(" ".join(command) + "\n" + output)
    summary = json.loads(next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))[len("BENCH_JSON "):])
    summary["rps"] = summary["requests"] / (summary["duration_us"] / 1e6)
    summary["errors_total"] = sum(summary["errors"].values())
    return summary


def proxy_pids(floor_pid, gateway_pid):
    """The process each proxy of our own runs in, whose CPU its runs are charged (nginx serves two targets)."""
    return {"nio-floor": floor_pid, "switchboard-full": gateway_pid, "switchboard-minimal": gateway_pid}


def run_wrk_charged(targets, target, mode, concurrency, duration, label, pid):
    """`run_wrk`, with `cpu_us_per_request`: the CPU `pid` used over the run per request (None without a pid)."""
    before = cpu_seconds(pid) if pid else 0
    summary = run_wrk(targets, target, mode, concurrency, duration, label)
    used = cpu_seconds(pid) - before if pid else 0
    summary["cpu_us_per_request"] = round(used / summary["requests"] * 1e6, 1) if pid and summary["requests"] else None
    return summary


def throughput_matrix(targets, gateway_pid, floor_pid):
    """Every (mode, concurrency) with the targets back to back, ROUNDS times, target order rotating. The proxies
    of our own (the floor and the gateway) also report the CPU their process used per request."""
    pids = proxy_pids(floor_pid, gateway_pid)
    runs = []
    for round_index in range(ROUNDS):
        for concurrency in CONCURRENCY:
            for mode in MODES:
                shift = (round_index + CONCURRENCY.index(concurrency)) % len(TARGETS)
                for target in TARGETS[shift:] + TARGETS[:shift]:
                    label = f"r{round_index}-c{concurrency}-{mode}-{target}"
                    with PeakRSS(gateway_pid) as peak:
                        summary = run_wrk_charged(targets, target, mode, concurrency, DURATION, label, pids.get(target))
                    summary.update(round=round_index, concurrency=concurrency, mode=mode, target=target,
                                   gateway_peak_rss_mib=round(peak.peak, 1))
                    runs.append(summary)
                    print(f"  {label}: {summary['rps']:.0f} req/s p50 {summary['latency_us']['p50']} us "
                          f"p99 {summary['latency_us']['p99']} us errors {summary['errors_total']}", flush=True)
    return runs


def median_or_none(values):
    values = [value for value in values if value is not None]
    return round(statistics.median(values), 1) if values else None


def summarise(runs):
    """Medians over rounds per (mode, concurrency, target), with ratios and added latency against direct."""
    cells = {}
    for mode in MODES:
        for concurrency in CONCURRENCY:
            for target in TARGETS:
                mine = [run for run in runs if (run["mode"], run["concurrency"], run["target"]) == (mode, concurrency, target)]
                cells[(mode, concurrency, target)] = {
                    "mode": mode, "concurrency": concurrency, "target": target,
                    "rps": round(statistics.median(run["rps"] for run in mine), 1),
                    **{f"{p}_ms": round(statistics.median(run["latency_us"][p] for run in mine) / 1000, 3) for p in ("p50", "p90", "p99")},
                    "errors": sum(run["errors_total"] for run in mine),
                    "requests": sum(run["requests"] for run in mine),
                    "gateway_peak_rss_mib": max(run["gateway_peak_rss_mib"] for run in mine),
                    "cpu_us_per_request": median_or_none([run["cpu_us_per_request"] for run in mine]),
                }
    for (mode, concurrency, target), cell in cells.items():
        direct, hop = cells[(mode, concurrency, "direct")], cells[(mode, concurrency, "nginx-hop")]
        cell["rps_vs_direct"] = round(cell["rps"] / direct["rps"], 3)
        cell["rps_vs_nginx_hop"] = round(cell["rps"] / hop["rps"], 3)
        for p in ("p50", "p90", "p99"):
            cell[f"added_{p}_ms"] = round(cell[f"{p}_ms"] - direct[f"{p}_ms"], 3)
    return list(cells.values())


def time_to_first_token(targets, samples=300, timed_samples=30):
    """Time to the first `data:` line at concurrency 1, targets interleaved request by request.
    `origin`: nginx's whole stream (the gateway's own cost); `timed`: the mock sends a chunk every 20 ms, which
    shows the gateway forwards the first chunk as it arrives instead of buffering the stream."""
    cases = {
        "origin": [(target, targets.port(target), targets.path(target, "stream"), targets.body(target, "stream"), targets.key(target))
                   for target in TARGETS],
        "timed": [("direct", MOCK_PORT, "/v1/chat/completions", clients.chat_body(TIMED_MODEL, True, words=2), None)]
        + [(target, GATEWAY_PORT, "/v1/chat/completions", clients.chat_body("timed/" + TIMED_MODEL, True, words=2), targets.key(target))
           for target in ("switchboard-full", "switchboard-minimal")],
    }
    results = {}
    for case, entries in cases.items():
        times = {entry[0]: [] for entry in entries}
        for target, port, path, body, key in entries * 5:  # warm-up, not recorded
            clients.time_to_first_token(port, path, body, key)
        for index in range(samples if case == "origin" else timed_samples):
            for target, port, path, body, key in entries[index % len(entries):] + entries[:index % len(entries)]:
                try:
                    times[target].append(clients.time_to_first_token(port, path, body, key) * 1000)
                except OSError as error:
                    raise RuntimeError(f"time to first token, {case} case, sample {index}: {target} on port {port}: {error!r}") from error
        summary = {}
        for target, values in times.items():
            values.sort()
            summary[target] = {p: round(values[min(len(values) - 1, int(len(values) * q))], 3)
                               for p, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))}
        for target, cell in summary.items():
            cell.update({f"added_{p}_ms": round(cell[p] - summary["direct"][p], 3) for p in ("p50", "p90", "p99")})
        results[case] = {"samples": len(next(iter(times.values()))), "ms": summary}
    return results


def profile(targets, gateway_pid, seconds=8):
    """perf (cpu-clock sampling with call graphs) on the gateway under wrk at concurrency 32, full path."""
    result = {}
    for mode in MODES:
        data = OUT / f"perf-{mode}.data"
        recorder = subprocess.Popen(["perf", "record", "-e", "cpu-clock", "-F", "1999", "-g", "-p", str(gateway_pid),
                                     "-o", str(data), "--", "sleep", str(seconds)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        run_wrk(targets, "switchboard-full", mode, 32, seconds, f"profile-{mode}")
        recorder.wait()
        inclusive = perf_table(data, ["--children", "--sort", "symbol"], 400)
        ours = gateway_names()
        result[mode] = {
            "self": perf_table(data, ["--no-children", "--sort", "symbol"], 25),
            "inclusive": inclusive[:30],
            # Inclusive rows naming the gateway's own types (or Foundation's JSON coders): where its code spends.
            "gateway_inclusive": [row for row in inclusive if ours.search(row["name"]) and not row["name"].startswith(WRAPPERS)][:30],
            "by_library": perf_table(data, ["--no-children", "--sort", "dso"], 10),
        }
    return result


# Compiler-made frames that repeat their parent's cost under another name.
WRAPPERS = ("partial apply", "closure #", "protocol witness", "thunk", "dispatch thunk")


def gateway_names():
    """A pattern matching the types declared in the measured sources (names of 8+ letters, to skip generic
    ones such as `Entry`), plus Foundation's JSON coders."""
    source = ROOT / (".build-release-src" if os.environ.get("BENCH_REF") else ".") / "Sources"
    declared = re.compile(r"\b(?:struct|class|actor|enum|protocol) ([A-Z][A-Za-z0-9]{7,})")
    names = {name for file in source.rglob("*.swift") for name in declared.findall(file.read_text())}
    return re.compile(r"\b(" + "|".join(sorted(names | {"JSONDecoder", "JSONEncoder"})) + r")\b")


def perf_table(data, options, limit):
    """Top rows of `perf report`, Swift names demangled: [{percent(s), name}]."""
    text = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "-g", "none", "--percent-limit", "0.3", *options],
                          capture_output=True, text=True, check=True).stdout
    text = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input=text, capture_output=True, text=True).stdout or text
    rows = []
    for line in text.splitlines():
        match = re.match(r"^\s+([\d.]+)%\s+(?:([\d.]+)%\s+)?(?:\[.\]\s+)?(.+?)\s*$", line)
        if match and not line.lstrip().startswith("#"):
            # perf pads the symbol column and may append empty ones: the name ends at the first wide gap.
            name = re.split(r"\s{2,}", match.group(3))[0][:220]
            row = {"percent": float(match.group(1)), "name": name}
            if match.group(2):
                row = {"inclusive": float(match.group(1)), "self": float(match.group(2)), "name": name}
            rows.append(row)
    return rows[:limit]


def open_streams(targets, gateway_pid, count):
    """Gateway RSS with `count` concurrent streams open (each delivered its first chunk, then one every 5 s),
    and with 1,000 for the per-stream slope."""
    results = []
    for step in sorted({min(1000, count), count}):
        requests = [clients.post_request(GATEWAY_PORT, "/v1/chat/completions",
                                         clients.chat_body(f"hold{index % hold_upstreams(count)}/{HOLD_MODEL}", True, words=300),
                                         targets.key("switchboard-full"))
                    for index in range(step)]

        def measure():
            return {"gateway_rss_mib": round(rss_mib(gateway_pid), 1),
                    "gateway_threads": len(os.listdir(f"/proc/{gateway_pid}/task")),
                    "gateway_fds": len(os.listdir(f"/proc/{gateway_pid}/fd"))}

        held = clients.hold_streams(GATEWAY_PORT, requests, measure)
        print(f"  {step} streams: {held}", flush=True)
        results.append(held)
        time.sleep(3)  # let the gateway settle the hung-up streams before the next step
    per_stream = None
    if len(results) == 2:
        (a, b) = results
        per_stream = (b["measured"]["gateway_rss_mib"] - a["measured"]["gateway_rss_mib"]) / max(1, b["established"] - a["established"])
    return {"fd_hard_limit": resource.getrlimit(resource.RLIMIT_NOFILE)[1], "requested": STREAMS, "steps": results,
            "per_stream_kib": round(per_stream * 1024, 2) if per_stream is not None else None,
            "extrapolated_rss_mib_at_requested": round(results[-1]["measured"]["gateway_rss_mib"]
                                                       + per_stream * (STREAMS - results[-1]["established"]), 1)
            if per_stream is not None else None}


def hold_upstreams(streams):
    return math.ceil(streams / STREAMS_PER_HOLD_UPSTREAM)


EXECUTOR_WARNING = "global executor could not be moved to SwiftNIO's event loops"


def start_gateway(processes, env):
    """Starts the gateway and returns (process, seconds from spawn to /ready answering 200)."""
    start = time.perf_counter()
    process = processes.start("gateway", [str(BINARY), "serve", "--port", str(GATEWAY_PORT)], env)
    wait_for(GATEWAY_PORT, "/ready")
    elapsed = time.perf_counter() - start
    # A gateway whose tasks run on the dispatch pool measures a different program (see bench/notes.md).
    if EXECUTOR_WARNING in (OUT / "logs" / "gateway.log").read_text(errors="replace"):
        raise RuntimeError(f"{BINARY} did not move Swift Concurrency onto SwiftNIO's event loops; see bench/out/logs/gateway.log")
    return process, elapsed


def start_small_stack(processes):
    """For the A/B scripts (quick.py, profile.py): a fresh bench/out, nginx, one timed mock and the gateway, checked
    by the preflight. Returns the targets and the gateway's process."""
    if OUT.exists():
        shutil.rmtree(OUT)
    for folder in ("logs", "wrk", "data"):
        (OUT / folder).mkdir(parents=True)
    write_configs(0)
    env = gateway_env(OUT / "data")
    targets = Targets(create_virtual_key(env))
    processes.start("nginx", ["nginx", "-c", str(OUT / "nginx.conf"), "-p", str(OUT), "-e", str(OUT / "nginx-error.log")])
    processes.start("mock", [str(BINARY), "mock-upstream", "--port", str(MOCK_PORT)])
    start_floor(processes)
    gateway, _ = start_gateway(processes, env)
    wait_for(MOCK_PORT, "/health")
    preflight(targets)
    return targets, gateway


def start_floor(processes):
    """The `nio-floor` target, on FLOOR_PORT in front of the origin; returns its process once it accepts."""
    floor = processes.start("floor", [str(FLOOR_BINARY), str(FLOOR_PORT), str(ORIGIN_PORT)])
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", FLOOR_PORT), timeout=1).close()
            return floor
        except OSError:
            if time.monotonic() > deadline or floor.poll() is not None:
                raise RuntimeError(f"{FLOOR_BINARY} did not start (build it: bench/run, or swift build in bench/micro)")
            time.sleep(0.01)


def startup_times(processes, env, runs=5):
    """Start to ready with the database this run filled (keys, tenants and every usage record)."""
    times = []
    for _ in range(runs):
        _, seconds = start_gateway(processes, env)
        times.append(round(seconds * 1000, 1))
        processes.stop("gateway")
    return {"runs_ms": times, "median_ms": statistics.median(times), "max_ms": max(times)}


def ledger_totals(env, runs):
    """What the usage ledger recorded over the run, per key (the admin key's rows have no key), next to what
    wrk counted through the gateway in the measured runs alone (warm-up, profile and stream stages come on top)."""
    output = subprocess.run([str(BINARY), "usage", "--group-by", "key", "--since", "24h", "--json"], env=env,
                            capture_output=True, text=True, check=True).stdout
    groups = json.loads(output)
    return {"groups": groups, "records": sum(group["requests"] for group in groups),
            "measured_gateway_requests": sum(run["requests"] for run in runs if run["target"].startswith("switchboard"))}


def micro_benchmarks():
    binary = BENCH / "micro" / ".build" / "release" / "SwitchboardMicro"
    output = subprocess.run([str(binary)], capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def versions():
    def first_line(command):
        result = subprocess.run(command, capture_output=True, text=True)
        return (result.stdout + result.stderr).strip().splitlines()[0]
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        # bench/run builds BENCH_REF's clean export when it is set, else the working tree.
        "commit": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", os.environ.get("BENCH_REF") or "HEAD"],
                                 capture_output=True, text=True).stdout.strip(),
        "worktree_dirty": not os.environ.get("BENCH_REF") and bool(subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "Sources", "Package.swift"], capture_output=True, text=True).stdout.strip()),
        "cpus": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "kernel": platform.release(),
        "wrk": first_line(["wrk", "-v"]),
        "nginx": first_line(["nginx", "-v"]),
        "swift": first_line(["swift", "--version"]),
        "duration_s": DURATION, "rounds": ROUNDS,
    }


# --------------------------------------------------------------------------------------------------------------

def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    for folder in ("logs", "wrk", "data"):
        (OUT / folder).mkdir(parents=True)
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    # The gateway holds two descriptors per stream (client and upstream); keep 100 for everything else.
    stream_count = min(STREAMS, (hard - FD_RESERVE) // 2)
    write_configs(hold_upstreams(stream_count))
    env = gateway_env(OUT / "data")
    result = {"meta": versions(), "ports": {"direct": ORIGIN_PORT, "nginx-hop": HOP_PORT, "nio-floor": FLOOR_PORT,
                                            "switchboard": GATEWAY_PORT}}
    processes = Processes()
    try:
        print("starting nginx, the mock upstreams and the gateway", flush=True)
        virtual_key = create_virtual_key(env)
        targets = Targets(virtual_key)
        processes.start("nginx", ["nginx", "-c", str(OUT / "nginx.conf"), "-p", str(OUT), "-e", str(OUT / "nginx-error.log")])
        processes.start("mock", [str(BINARY), "mock-upstream", "--port", str(MOCK_PORT)])
        floor = start_floor(processes)
        for index in range(hold_upstreams(stream_count)):
            processes.start(f"hold{index}", [str(BINARY), "mock-upstream", "--port", str(HOLD_PORT_BASE + index)])
        gateway, first_start = start_gateway(processes, env)
        for port in [MOCK_PORT] + [HOLD_PORT_BASE + index for index in range(hold_upstreams(stream_count))]:
            wait_for(port, "/health")
        preflight(targets)
        time.sleep(2)
        memory = {"idle_mib": round(rss_mib(gateway.pid), 1)}
        result["startup_fresh_database_ms"] = round(first_start * 1000, 1)

        print("warm-up", flush=True)
        for target in TARGETS:
            for mode in MODES:
                run_wrk(targets, target, mode, 32, 2, f"warmup-{mode}-{target}")
        print(f"throughput: {ROUNDS} rounds x {len(CONCURRENCY) * len(MODES) * len(TARGETS)} runs of {DURATION}s", flush=True)
        runs = throughput_matrix(targets, gateway.pid, floor.pid)
        result["runs"] = runs
        result["summary"] = summarise(runs)
        memory["under_load_peak_mib"] = {str(c): max(run["gateway_peak_rss_mib"] for run in runs if run["concurrency"] == c
                                                     and run["target"].startswith("switchboard")) for c in CONCURRENCY}
        time.sleep(5)
        memory["idle_after_load_mib"] = round(rss_mib(gateway.pid), 1)

        print("time to first token", flush=True)
        result["ttft"] = time_to_first_token(targets)
        if os.environ.get("BENCH_PROFILE", "1") != "0" and shutil.which("perf"):
            print("profile", flush=True)
            result["profile"] = profile(targets, gateway.pid)
        print("open streams", flush=True)
        memory["open_streams"] = open_streams(targets, gateway.pid, stream_count)
        result["memory"] = memory

        print("start-up with an existing database", flush=True)
        processes.stop("gateway")
        result["ledger"] = ledger_totals(env, runs)
        result["startup"] = startup_times(processes, env)
    finally:
        processes.stop_all()
    if os.environ.get("BENCH_MICRO", "1") != "0":
        print("micro-benchmarks", flush=True)
        result["micro"] = micro_benchmarks()
    result["targets"] = report.verdicts(result)
    (ROOT / "docs" / "performance.json").write_text(json.dumps(result, indent=1) + "\n")
    (ROOT / "docs" / "performance.md").write_text(report.render(result, (BENCH / "notes.md").read_text()))
    print("wrote docs/performance.json and docs/performance.md", flush=True)


if __name__ == "__main__":
    sys.exit(main())
