"""The scale-out configurations in deploy/ agree with each other, with their README and with vLLM.

A reader copies these files into a real cluster, where a wrong port or a probe on the wrong
path shows up only as a pod that never becomes ready. So the fields that matter are checked
here: image, ports, probes, GPU counts, model names, the HPA's target and the signal it scales
on (against the simulated policy's), and every flag that a `vllm serve` line uses (against the
installed vLLM's own argument parser).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from genai_design.capacity.autoscale import UTILIZATION_SIGNAL

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
K8S = DEPLOY / "kubernetes"
SCRIPTS = ("tensor-parallel.sh", "data-parallel.sh", "replicas.sh")


def load(name: str) -> dict[str, Any]:
    docs = [d for d in yaml.safe_load_all((K8S / name).read_text()) if d is not None]
    assert len(docs) == 1, f"{name} should hold exactly one object"
    return docs[0]


def container() -> dict[str, Any]:
    containers = load("deployment.yaml")["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def flag(args: list[str], name: str, default: str | None = None) -> str | None:
    """The value after `name` in an argument list (`--x v` or `--x=v`)."""
    for i, arg in enumerate(args):
        if arg == name:
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return default


def serve_commands(script: str) -> list[list[str]]:
    """Each `vllm serve ...` command of a shell script, as a token list (line continuations joined)."""
    text = (DEPLOY / script).read_text().replace("\\\n", " ")
    commands = []
    for line in text.splitlines():
        if line.lstrip().startswith("#") or "vllm serve" not in line:
            continue
        tokens = shlex.split(line.split(">", 1)[0], comments=True)
        commands.append(tokens[tokens.index("vllm"):])
    assert commands, f"{script} has no `vllm serve` command"
    return commands


def readme() -> str:
    return (DEPLOY / "README.md").read_text()


def adapter_rule() -> dict[str, Any]:
    """The Prometheus Adapter rule quoted in hpa.yaml's comments (lines `#   ...`), parsed."""
    lines = [line[4:] for line in (K8S / "hpa.yaml").read_text().splitlines() if line.startswith("#   ")]
    rules = yaml.safe_load("\n".join(lines))
    assert isinstance(rules, list) and len(rules) == 1, "hpa.yaml should quote exactly one adapter rule"
    return rules[0]


def test_every_yaml_file_parses_to_the_expected_kind():
    kinds = {p.name: load(p.name)["kind"] for p in K8S.glob("*.yaml")}
    assert kinds == {"deployment.yaml": "Deployment", "service.yaml": "Service",
                     "hpa.yaml": "HorizontalPodAutoscaler"}


def test_deployment_runs_the_vllm_openai_server_on_its_declared_port():
    c = container()
    assert c["image"].split(":")[0] == "vllm/vllm-openai"
    assert c["command"] == ["vllm", "serve"]
    (port,) = c["ports"]
    assert port["name"] == "http"
    assert flag(c["args"], "--port", "8000") == str(port["containerPort"])
    # The key comes from a Secret, never from the manifest itself.
    env = {e["name"]: e for e in c["env"]}
    assert "secretKeyRef" in env["VLLM_API_KEY"]["valueFrom"]
    assert flag(c["args"], "--api-key") is None


@pytest.mark.parametrize("probe", ["startupProbe", "readinessProbe", "livenessProbe"])
def test_probes_ask_health_on_the_serving_port(probe):
    c = container()
    check = c[probe]["httpGet"]
    assert check["path"] == "/health"
    assert check["port"] in (c["ports"][0]["containerPort"], c["ports"][0]["name"])


def test_startup_probe_allows_a_cold_start_of_minutes():
    probe = container()["startupProbe"]
    assert probe["periodSeconds"] * probe["failureThreshold"] >= 300


def test_gpu_limit_matches_the_parallelism_in_the_args():
    c = container()
    tp = int(flag(c["args"], "--tensor-parallel-size", "1"))
    dp = int(flag(c["args"], "--data-parallel-size", "1"))
    assert int(c["resources"]["limits"]["nvidia.com/gpu"]) == tp * dp
    assert int(c["resources"]["requests"]["nvidia.com/gpu"]) == tp * dp


def test_service_selects_the_pods_and_targets_the_container_port():
    deployment, service = load("deployment.yaml"), load("service.yaml")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert service["spec"]["selector"].items() <= pod_labels.items()
    (port,) = service["spec"]["ports"]
    assert port["targetPort"] in (container()["ports"][0]["name"], container()["ports"][0]["containerPort"])


def test_hpa_scales_the_deployment_below_its_concurrency_cap():
    hpa, deployment = load("hpa.yaml"), load("deployment.yaml")
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    (metric,) = hpa["spec"]["metrics"]
    assert metric["type"] == "Pods"
    cap = int(flag(container()["args"], "--max-num-seqs"))
    assert 0 < float(metric["pods"]["target"]["averageValue"]) < cap
    # The adapter rule in the file's comments exposes the metric under the same name.
    assert adapter_rule()["name"]["as"] == metric["pods"]["metric"]["name"]


def test_hpa_scales_on_the_signal_the_simulated_policy_uses():
    # The rule's query sums, per pod, exactly the vLLM gauges whose sum the simulation's
    # "utilization" policy scales on (running plus waiting: a queue shows up in it).
    rule = adapter_rule()
    query = rule["metricsQuery"]
    assert set(re.findall(r"vllm:\w+", query)) == set(UTILIZATION_SIGNAL), query
    assert query.startswith("sum(") and query.endswith(" by (<<.GroupBy>>)"), "a sum per pod"
    assert "<<.LabelMatchers>>" in query
    # Discovery finds one of those gauges, and the name the HPA asks for is the rule's own.
    discovered = re.match(r"(vllm:\w+)\{", rule["seriesQuery"]).group(1)
    assert discovered in UTILIZATION_SIGNAL
    assert re.fullmatch(rule["name"]["matches"], discovered)
    # The README's table says the same.
    row = next(line for line in readme().splitlines() if line.startswith("| `kubernetes/hpa.yaml`"))
    assert set(re.findall(r"vllm:\w+", row)) == set(UTILIZATION_SIGNAL), row


def test_readme_names_the_model_and_ports_the_files_serve():
    text = readme()
    model = re.search(r"GENAI_DESIGN_MODEL=(\S+)", text).group(1)
    assert flag(container()["args"], "--served-model-name") == model
    for script in ("data-parallel.sh", "replicas.sh"):
        for command in serve_commands(script):
            assert flag(command, "--served-model-name") == model, script
    endpoint_port = re.search(r"GENAI_DESIGN_ENDPOINT=http://127\.0\.0\.1:(\d+)/v1", text).group(1)
    local, remote = re.search(r"port-forward service/(\S+) (\d+):(\d+)", text).groups()[1:]
    assert local == endpoint_port
    assert remote == str(load("service.yaml")["spec"]["ports"][0]["port"])
    assert re.search(rf"port-forward service/{load('service.yaml')['metadata']['name']} ", text)
    assert flag(serve_commands("data-parallel.sh")[0], "--port") == endpoint_port
    nginx = (DEPLOY / "nginx-replicas.conf").read_text()
    assert re.search(r"^\s*listen\s+127\.0\.0\.1:(\d+);", nginx, re.M).group(1) == endpoint_port


def test_readme_table_states_the_parallelism_the_scripts_use():
    text = readme()
    tp = flag(serve_commands("tensor-parallel.sh")[0], "--tensor-parallel-size")
    dp = flag(serve_commands("data-parallel.sh")[0], "--data-parallel-size")
    assert f"`--tensor-parallel-size {tp}`" in text
    assert f"`--data-parallel-size {dp}`" in text


def test_nginx_upstream_lists_exactly_the_replica_ports():
    script = (DEPLOY / "replicas.sh").read_text()
    indices = re.search(r"for i in ([\d ]+); do\n\s+CUDA_VISIBLE_DEVICES", script).group(1).split()
    base = int(re.search(r"--port \$\(\((\d+) \+ i\)\)", script).group(1))
    replica_ports = {base + int(i) for i in indices}
    nginx = (DEPLOY / "nginx-replicas.conf").read_text()
    upstream = {int(p) for p in re.findall(r"^\s*server 127\.0\.0\.1:(\d+)", nginx, re.M)}
    assert upstream == replica_ports
    assert re.search(r"^\s*least_conn;", nginx, re.M)
    assert re.search(r"^\s*proxy_buffering off;", nginx, re.M), "streamed tokens must not be buffered"


def _vllm_serve_options() -> set[str]:
    pytest.importorskip("vllm")
    try:
        from vllm.entrypoints.launchers.cli_args import make_arg_parser
    except ImportError:
        try:
            from vllm.entrypoints.openai.cli_args import make_arg_parser
        except ImportError:
            pytest.skip("this vLLM version keeps its serve argument parser elsewhere")
    from vllm.utils.argparse_utils import FlexibleArgumentParser

    parser = make_arg_parser(FlexibleArgumentParser())
    return {option for action in parser._actions for option in action.option_strings}


def test_every_flag_is_one_that_vllm_serve_accepts():
    # Imports vLLM (about 15 s on two CPU cores): a flag renamed upstream fails here, not in a cluster.
    known = _vllm_serve_options()
    used = {(script, arg.split("=")[0]) for script in SCRIPTS for cmd in serve_commands(script)
            for arg in cmd if arg.startswith("--")}
    used |= {("deployment.yaml", a.split("=")[0]) for a in container()["args"] if a.startswith("--")}
    unknown = sorted(u for u in used if u[1] not in known)
    assert not unknown, f"flags vllm serve does not accept: {unknown}"
