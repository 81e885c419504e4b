#!/usr/bin/env python3
"""Checks the deployment files in deploy/: every YAML parses, the compose services, Kubernetes manifests and
Dockerfile have what docs/operations.md promises, the example configuration passes `switchboard check-config`,
and every alert has a runbook section. Alert rules also go through `promtool check rules` when promtool exists.
(That every metric named in the alerts and dashboard exists in /metrics is checked by the Swift test
MetricsTests.deployFilesNameOnlyExistingMetrics.)

Usage: scripts/check_deploy.py [PATH_TO_SWITCHBOARD_BINARY]
"""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
problems = []


def check(condition, message):
    if not condition:
        problems.append(message)


def load_all(path):
    with open(path) as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc is not None]


documents = {}
for path in sorted(DEPLOY.rglob("*.y*ml")):
    try:
        documents[path.relative_to(DEPLOY).as_posix()] = load_all(path)
    except yaml.YAMLError as error:
        problems.append(f"{path}: not valid YAML: {error}")

dashboard = json.loads((DEPLOY / "grafana" / "switchboard.json").read_text())
check(dashboard.get("panels"), "grafana/switchboard.json has no panels")

# Alerts: each has an expression, a duration, a severity, a summary and a runbook section.
alerts = documents.get("prometheus/alerts.yml", [{}])[0]
operations = (ROOT / "docs" / "operations.md").read_text().lower()
names = []
for group in alerts.get("groups", []):
    for rule in group.get("rules", []):
        name = rule.get("alert", "?")
        names.append(name)
        check(rule.get("expr"), f"alert {name}: no expr")
        check(rule.get("for"), f"alert {name}: no for")
        check(rule.get("labels", {}).get("severity"), f"alert {name}: no severity")
        check(rule.get("annotations", {}).get("summary"), f"alert {name}: no summary")
        check(f"### {name.lower()}" in operations, f"alert {name}: no '### {name}' section in docs/operations.md")
for wanted in ["HighErrorRate", "HighLatencyP95", "CircuitOpen", "BudgetRejectionsSpike", "LedgerQueueBacklog"]:
    check(any(wanted in name for name in names), f"alerts.yml: no alert for {wanted}")

# Compose: every service has a healthcheck and resource limits.
compose = documents.get("docker-compose.yml", [{}])[0]
for service, spec in compose.get("services", {}).items():
    check("healthcheck" in spec, f"docker-compose.yml: service {service} has no healthcheck")
    check(spec.get("deploy", {}).get("resources", {}).get("limits"), f"docker-compose.yml: service {service} has no resource limits")
check("prometheus" in compose.get("services", {}), "docker-compose.yml: no prometheus service")

# Kubernetes.
kinds = {}
for name, docs in documents.items():
    if name.startswith("kubernetes/"):
        for doc in docs:
            kinds.setdefault(doc.get("kind"), []).append(doc)
for kind in ["Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Ingress", "Secret", "ConfigMap"]:
    check(kind in kinds, f"kubernetes/: no {kind}")
deployment = kinds.get("Deployment", [{}])[0]
pod = deployment.get("spec", {}).get("template", {}).get("spec", {})
container = (pod.get("containers") or [{}])[0]
check(container.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/ready", "Deployment: readiness probe is not /ready")
check(container.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/health", "Deployment: liveness probe is not /health")
check(container.get("resources", {}).get("limits") and container.get("resources", {}).get("requests"), "Deployment: no resources")
check(pod.get("securityContext", {}).get("runAsNonRoot") is True, "Deployment: not runAsNonRoot")
config_text = kinds.get("ConfigMap", [{}])[0].get("data", {}).get("switchboard.yaml", "")
config = yaml.safe_load(config_text) or {}
grace = config.get("server", {}).get("shutdown_grace_seconds", 30)
check(pod.get("terminationGracePeriodSeconds", 0) > grace, "Deployment: terminationGracePeriodSeconds must exceed the drain grace")
annotations = kinds.get("Ingress", [{}])[0].get("metadata", {}).get("annotations", {})
check(annotations.get("nginx.ingress.kubernetes.io/proxy-buffering") == "off", "Ingress: buffering is not off")

# Dockerfile.
dockerfile = (DEPLOY / "Dockerfile").read_text()
for needle in ["scripts/build-release", "HEALTHCHECK", "/health", "STOPSIGNAL SIGTERM", "USER 10001"]:
    check(needle in dockerfile, f"Dockerfile: missing {needle}")
check("--static-swift-stdlib" in (ROOT / "scripts" / "build-release").read_text(), "scripts/build-release: not --static-swift-stdlib")
check(len(re.findall(r"^FROM ", dockerfile, re.M)) >= 2, "Dockerfile: not multi-stage")

# The example configuration is valid for this build.
if len(sys.argv) > 1:
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        handle.write(config_text)
    env = dict(os.environ, OPENAI_API_KEY="sk-check-deploy-placeholder-000000", SWITCHBOARD_ADMIN_KEY="check-deploy-admin-key-0000")
    result = subprocess.run([sys.argv[1], "check-config", handle.name], env=env, capture_output=True, text=True)
    os.unlink(handle.name)
    check(result.returncode == 0, f"kubernetes/configmap.yaml: check-config failed: {result.stderr.strip()}")

promtool = shutil.which("promtool")
if promtool:
    result = subprocess.run([promtool, "check", "rules", str(DEPLOY / "prometheus" / "alerts.yml")], capture_output=True, text=True)
    check(result.returncode == 0, f"promtool check rules failed: {result.stdout}{result.stderr}")
else:
    print("check_deploy: promtool not found; alert rules checked for structure only", file=sys.stderr)

if problems:
    print("Deployment file problems:", *problems, sep="\n  - ", file=sys.stderr)
    sys.exit(1)
print(f"check_deploy: OK ({len(documents)} YAML files, {len(names)} alerts, {len(dashboard['panels'])} dashboard panels"
      f"{', promtool' if promtool else ''})")
