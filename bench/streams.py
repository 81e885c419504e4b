"""Gateway memory with many streams held open, alone (the last memory step of bench/run, for A/B work on the
per-stream cost): the full path (virtual key) in front of mocks that keep streams open. Knobs: BENCH_STREAMS
(default 10000; capped by the descriptor limit), BENCH_BINARY. Run: python3 bench/streams.py"""
import json, resource, shutil, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h

if h.OUT.exists():
    shutil.rmtree(h.OUT)
for folder in ("logs", "wrk", "data"):
    (h.OUT / folder).mkdir(parents=True)
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
count = min(h.STREAMS, (hard - h.FD_RESERVE) // 2)
h.write_configs(h.hold_upstreams(count))
env = h.gateway_env(h.OUT / "data")
p = h.Processes()
try:
    targets = h.Targets(h.create_virtual_key(env))
    for index in range(h.hold_upstreams(count)):
        p.start(f"hold{index}", [str(h.BINARY), "mock-upstream", "--port", str(h.HOLD_PORT_BASE + index)])
    gateway, _ = h.start_gateway(p, env)
    for index in range(h.hold_upstreams(count)):
        h.wait_for(h.HOLD_PORT_BASE + index, "/health")
    time.sleep(2)
    idle = h.rss_mib(gateway.pid)
    result = h.open_streams(targets, gateway.pid, count)
    print(json.dumps({"idle_mib": round(idle, 1), "per_stream_kib": result["per_stream_kib"],
                      "extrapolated_rss_mib_at_requested": result["extrapolated_rss_mib_at_requested"],
                      "steps": [(s["established"], s["measured"]["gateway_rss_mib"]) for s in result["steps"]]}))
finally:
    p.stop_all()
