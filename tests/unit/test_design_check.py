"""The design checker: reference records pass, flawed ones fail for the expected reasons, and
malformed records get clear errors."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from genai_design.design_check import DesignError, check_design, check_file, load_design, requirements_of

DESIGNS = Path(__file__).resolve().parents[2] / "casestudies" / "designs"
EXPECTED = {
    "shop-support.yaml": set(),
    "shop-support-flawed-capacity.yaml": {"gpus-too-few", "over-budget"},
    "shop-support-flawed-privacy.yaml": {"private-to-api", "pattern-mismatch", "no-fallback"},
    "python-docs.yaml": set(),
    "python-docs-flawed-pattern.yaml": {"pattern-mismatch", "no-retrieval"},
    "python-docs-flawed-operations.yaml": {"no-eval-set", "no-release-gate", "no-cost-or-latency-signal",
                                           "no-alerts", "missing-step"},
}


def test_every_shipped_record_is_listed():
    assert {p.name for p in DESIGNS.glob("*.yaml")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_records_pass_or_fail_for_the_expected_reasons(name):
    report = check_file(DESIGNS / name)
    assert {f["rule"] for f in report["findings"]} == EXPECTED[name], report["findings"]
    assert report["passed"] == (not EXPECTED[name])


def reference() -> dict:
    return yaml.safe_load((DESIGNS / "shop-support.yaml").read_text())


def write(tmp_path: Path, record) -> Path:
    path = tmp_path / "design.yaml"
    path.write_text(yaml.safe_dump(record) if not isinstance(record, str) else record)
    return path


def test_the_capacity_finding_carries_the_numbers():
    record = reference()
    record["serving"]["gpus"] = 1
    finding = next(f for f in check_design(record) if f.rule == "gpus-too-few")
    assert "30 requests/s need 2" in finding.message and "estimated" in finding.message
    record["requirements"]["ttft_ms"] = 1.0
    assert [f.rule for f in check_design(record)] == ["latency-out-of-reach"]


@pytest.mark.parametrize("change, message", [
    (lambda r: r.pop("product"), "product is missing"),
    (lambda r: r["requirements"].update(qps_now="ten"), "requirements.qps_now must be a number"),
    (lambda r: r["requirements"].update(input_tokens=900.5), "requirements.input_tokens must be a whole number"),
    (lambda r: r["requirements"].update(private="no"), "requirements.private must be true or false"),
    (lambda r: r["models"].update(hosting="on-prem"), "models.hosting must be one of"),
    (lambda r: r["pattern"]["needs"].update(vibes=True), "unknown fields ['vibes']"),
    (lambda r: r["serving"].update(efficiency=2), "serving.efficiency must be in (0, 1]"),
    (lambda r: r["guardrails"].update(input="injection"), "guardrails.input must be a list"),
    (lambda r: r["pattern"]["needs"].update(actions=False), "fixed_steps describes tool calls"),
])
def test_malformed_records_are_refused_with_the_field_named(tmp_path, change, message):
    record = reference()
    change(record)
    with pytest.raises(DesignError, match=re.escape(message)):
        check_file(write(tmp_path, record))


def test_files_that_are_not_records_are_refused(tmp_path):
    with pytest.raises(DesignError, match="no such file"):
        load_design(tmp_path / "absent.yaml")
    with pytest.raises(DesignError, match="not valid YAML"):
        load_design(write(tmp_path, "product: [unclosed"))
    with pytest.raises(DesignError, match="a mapping of sections"):
        load_design(write(tmp_path, "- just\n- a list\n"))
    big = tmp_path / "big.yaml"
    big.write_text("product: x\nnotes: '" + "a" * (10 * 2**20) + "'\n")
    with pytest.raises(DesignError, match="10.0 MiB is not a design record"):
        load_design(big)


def test_unknown_models_and_missing_sections_are_findings():
    record = reference()
    record["models"]["model"] = "GPT-7"
    assert [f.rule for f in check_design(record)] == ["unknown-model"]
    record = reference()
    del record["monitoring"], record["why_genai"]
    assert {(f.step, f.rule) for f in check_design(record)} == {(0, "missing-step"), (8, "missing-step")}
    record = reference()
    record["why_genai"]["generative"] = False
    assert [f.rule for f in check_design(record)] == ["not-generative"]


def test_the_command_exits_0_1_or_2():
    def run(*args):
        return subprocess.run([sys.executable, "-m", "genai_design.cli", "check-design", *args],
                              capture_output=True, text=True, timeout=120)
    assert run(str(DESIGNS / "shop-support.yaml")).returncode == 0
    failed = run(str(DESIGNS / "shop-support-flawed-privacy.yaml"))
    assert failed.returncode == 1 and '"private-to-api"' in failed.stdout
    broken = run(str(DESIGNS / "nothing-here.yaml"))
    assert broken.returncode == 2 and "no such file" in broken.stderr


@pytest.mark.parametrize(("prefix", "eval_file"), [("shop-support", "shop_help.jsonl"),
                                                   ("python-docs", "python_reference.jsonl")])
def test_records_count_the_labelled_questions_the_repository_holds(prefix, eval_file):
    """A design record's labelled examples are its case study's evaluation questions, counted."""
    lines = (DESIGNS.parents[1] / "data" / "eval" / eval_file).read_text(encoding="utf-8").splitlines()
    questions = sum(1 for line in lines if line.strip())
    for path in DESIGNS.glob(f"{prefix}*.yaml"):
        assert yaml.safe_load(path.read_text())["pattern"]["needs"]["labelled_examples"] == questions, path.name
    diagram = (DESIGNS.parent / "diagrams" / f"{prefix}.dot").read_text()
    assert f"{questions} labelled questions" in diagram


def test_requirements_of_reads_step_one_of_a_record():
    record = load_design(DESIGNS / "python-docs.yaml")
    req = requirements_of(record)
    r = record["requirements"]
    assert req.name == record["product"] and req.private is r["private"]
    assert (req.qps_now, req.qps_later, req.peak_to_mean) == (r["qps_now"], r["qps_later"], r["peak_to_mean"])
    assert (req.input_tokens, req.output_tokens, req.ttft_ms, req.tpot_ms) == (
        r["input_tokens"], r["output_tokens"], r["ttft_ms"], r["tpot_ms"])
