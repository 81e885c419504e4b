#!/usr/bin/env python3
"""Acceptance check with the official OpenAI Python SDK against a running Switchboard.

Starts `switchboard mock-upstream` and `switchboard serve` on free loopback ports (the gateway's `openai`
and `anthropic` providers point at the mock), then drives the gateway with the OpenAI SDK: chat, streaming,
tool calls, models.list(), and the SDK's typed exceptions for 400/401/404. Prints 'N passed, M failed'.
"""
import json
import os
import subprocess
import sys
import tempfile
import urllib.request

import openai

from testlib import free_port, wait_until_up

BIN = sys.argv[1]
ADMIN_KEY = "sk-sb-admin-sdk-check-0123456789abcdef"






def main():
    mock_port, gateway_port = free_port(), free_port()
    data_dir = tempfile.mkdtemp(prefix="switchboard-sdk-")
    env = dict(os.environ)
    env.update({
        "OPENAI_API_KEY": "sk-upstream-dummy-openai", "OPENAI_BASE_URL": f"http://127.0.0.1:{mock_port}/v1",
        "ANTHROPIC_API_KEY": "sk-ant-upstream-dummy", "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{mock_port}",
        "SWITCHBOARD_ADMIN_KEY": ADMIN_KEY, "LOG_LEVEL": "warning",
    })
    mock = subprocess.Popen([BIN, "mock-upstream", "--port", str(mock_port)], stdout=subprocess.DEVNULL)
    gateway = subprocess.Popen([BIN, "serve", "--port", str(gateway_port), "--data-dir", data_dir], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    passed, failed = 0, 0
    try:
        wait_until_up(f"http://127.0.0.1:{mock_port}/health")
        wait_until_up(f"http://127.0.0.1:{gateway_port}/health")
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{gateway_port}/v1", api_key=ADMIN_KEY, max_retries=0)
        tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                  "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]

        def check(name, fn):
            nonlocal passed, failed
            try:
                fn()
                passed += 1
                print(f"ok   {name}")
            except Exception as error:  # noqa: BLE001 - report every failure and go on
                failed += 1
                print(f"FAIL {name}: {error!r}")

        for model in ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5", "mock/echo"]:
            def chat(model=model):
                reply = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Hello SDK"}])
                assert reply.choices[0].message.content == "Hello SDK", reply
                assert reply.choices[0].finish_reason == "stop"
                assert reply.usage.completion_tokens == 2
            check(f"chat {model}", chat)

            def stream(model=model):
                chunks = list(client.chat.completions.create(
                    model=model, messages=[{"role": "user", "content": "streamed words arrive"}], stream=True,
                    stream_options={"include_usage": True}))
                text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
                assert text == "streamed words arrive", text
                assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 3
            check(f"stream {model}", stream)

        for model in ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5"]:
            def tool_call(model=model):
                reply = client.chat.completions.create(model=model, tools=tools,
                                                       messages=[{"role": "user", "content": "Weather in Paris?"}])
                call = reply.choices[0].message.tool_calls[0]
                assert reply.choices[0].finish_reason == "tool_calls"
                assert call.function.name == "get_weather"
                assert json.loads(call.function.arguments) == {"city": "example"}
                follow = client.chat.completions.create(model=model, tools=tools, messages=[
                    {"role": "user", "content": "Weather in Paris?"},
                    {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
                    {"role": "tool", "tool_call_id": call.id, "content": "sunny"}])
                assert follow.choices[0].message.content == "The tool returned: sunny", follow
            check(f"tool calls {model}", tool_call)

            def stream_tool_call(model=model):
                chunks = list(client.chat.completions.create(
                    model=model, tools=tools, stream=True, messages=[{"role": "user", "content": "Weather?"}]))
                args = "".join(tc.function.arguments or "" for c in chunks if c.choices
                               for tc in (c.choices[0].delta.tool_calls or []))
                assert json.loads(args) == {"city": "example"}, args
            check(f"streamed tool calls {model}", stream_tool_call)

        def models():
            ids = [m.id for m in client.models.list()]
            assert "mock/echo" in ids and "openai/gpt-4o-mini" in ids and "anthropic/claude-sonnet-4-5" in ids, ids
        check("models.list", models)

        def bad_request():
            try:
                client.chat.completions.create(model="mock/echo", messages=[{"role": "wizard", "content": "x"}])
            except openai.BadRequestError as error:
                assert "messages[0].role" in str(error)
                return
            raise AssertionError("no BadRequestError")
        check("BadRequestError on 400", bad_request)

        def auth_error():
            bad = openai.OpenAI(base_url=f"http://127.0.0.1:{gateway_port}/v1", api_key="sk-wrong", max_retries=0)
            try:
                bad.models.list()
            except openai.AuthenticationError:
                return
            raise AssertionError("no AuthenticationError")
        check("AuthenticationError on 401", auth_error)

        def not_found():
            try:
                client.chat.completions.create(model="nobody/nothing", messages=[{"role": "user", "content": "x"}])
            except openai.NotFoundError:
                return
            raise AssertionError("no NotFoundError")
        check("NotFoundError on 404", not_found)
    finally:
        gateway.terminate()
        mock.terminate()
        gateway_code = gateway.wait(timeout=30)
        mock.wait(timeout=30)
    if gateway_code != 0:
        failed += 1
        print(f"FAIL gateway exited with {gateway_code} after SIGTERM")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
