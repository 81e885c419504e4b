#!/usr/bin/env python3
"""Secrets scan: plant secrets everywhere a client or operator can put them, drive a real gateway, then search
everything the server wrote (logs, database files, /metrics output) for them. Prints 'N passed, M failed'.

Planted: provider keys (environment), the admin key, a virtual key created through the admin API, keys sent
in Authorization/x-api-key/Cookie headers, in a request body's api_key field, and in a prompt (with prompt
logging on, so redaction is exercised).
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

from testlib import free_port, wait_until_up

BIN = sys.argv[1]
PLANTED = {
    "openai provider key": "sk-proj-PLANTEDopenaiKEY0123456789abcdefXYZ",
    "anthropic provider key": "sk-ant-api03-PLANTEDanthropicKEY0123456789abc",
    "admin key": "sb-admin-PLANTED-0123456789abcdef",
    "client bearer key": "sk-PLANTEDclientBEARER0123456789abcdefgh",
    "client cookie": "PLANTEDcookieSESSION0123456789abcdefgh",
    "body api_key": "sk-PLANTEDbodyAPIKEY0123456789abcdefghij",
    "prompt key": "sk-proj-PLANTEDpromptKEY0123456789abcdefgh",
}




def call(url, body=None, headers=None, method=None):
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")




def main():
    mock_port, port = free_port(), free_port()
    data_dir = tempfile.mkdtemp(prefix="switchboard-secrets-")
    log_path = os.path.join(data_dir, "gateway.log")
    env = dict(os.environ, OPENAI_API_KEY=PLANTED["openai provider key"], OPENAI_BASE_URL=f"http://127.0.0.1:{mock_port}/v1",
               ANTHROPIC_API_KEY=PLANTED["anthropic provider key"], ANTHROPIC_BASE_URL=f"http://127.0.0.1:{mock_port}",
               SWITCHBOARD_ADMIN_KEY=PLANTED["admin key"], LOG_LEVEL="debug", SWITCHBOARD_LOG_PROMPTS="true")
    mock = subprocess.Popen([BIN, "mock-upstream", "--port", str(mock_port)], stdout=subprocess.DEVNULL)
    with open(log_path, "w") as log:
        gateway = subprocess.Popen([BIN, "serve", "--port", str(port), "--data-dir", data_dir], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    admin = {"Authorization": f"Bearer {PLANTED['admin key']}", "Content-Type": "application/json"}
    metrics_text = ""
    try:
        wait_until_up(f"http://127.0.0.1:{mock_port}/health")
        wait_until_up(f"{base}/health")
        call(f"{base}/admin/v1/tenants", {"name": "acme"}, admin)
        status, created = call(f"{base}/admin/v1/keys", {"tenant": "acme", "name": "app"}, admin)
        virtual_key = json.loads(created)["key"]
        PLANTED["virtual key"] = virtual_key
        user = {"Authorization": f"Bearer {virtual_key}", "Content-Type": "application/json",
                "Cookie": f"session={PLANTED['client cookie']}"}
        prompt = {"model": "openai/gpt-4o-mini", "api_key": PLANTED["body api_key"],
                  "messages": [{"role": "user", "content": f"my key is {PLANTED['prompt key']} keep it"}]}
        call(f"{base}/v1/chat/completions", prompt, user)
        call(f"{base}/v1/chat/completions", dict(prompt, stream=True), user)
        call(f"{base}/v1/chat/completions", dict(prompt, model="anthropic/claude-sonnet-4-5"), user)
        call(f"{base}/v1/chat/completions", dict(prompt, model="openai/gpt-4o-mini@status=401"), user)
        call(f"{base}/v1/chat/completions", prompt, {"Authorization": f"Bearer {PLANTED['client bearer key']}"})
        call(f"{base}/v1/models", None, {"x-api-key": PLANTED["client bearer key"]})
        call(f"{base}/admin/v1/keys", None, {"Authorization": f"Bearer {virtual_key}"})
        _, metrics_text = call(f"{base}/metrics")
    finally:
        gateway.send_signal(signal.SIGTERM)
        gateway.wait(timeout=60)
        mock.terminate()
        mock.wait(timeout=30)

    written = {"metrics": metrics_text}
    for name in os.listdir(data_dir):
        with open(os.path.join(data_dir, name), "rb") as file:
            written[name] = file.read().decode("latin-1")
    passed = failed = 0
    for label, secret in PLANTED.items():
        leaks = [name for name, text in written.items() if secret in text]
        if leaks:
            failed += 1
            print(f"FAIL {label} found in {', '.join(leaks)}")
        else:
            passed += 1
            print(f"ok   {label} not in logs, database files or metrics ({len(written)} outputs scanned)")
    if "request_completed" not in written.get("gateway.log", ""):
        failed += 1
        print("FAIL the gateway wrote no request log lines: the scan would prove nothing")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
