"""The ``genai-design search`` subcommand on a four-topic Python reference (step 3b)."""

import json

import pytest

from genai_design import cli
from genai_design.corpora import data_dir

TOPICS = ("assert", "nonlocal", "global", "lambda")


@pytest.fixture()
def tiny_course(tmp_path, monkeypatch):
    snapshot = json.loads((data_dir() / "python_reference" / "topics.json").read_text("utf-8"))
    snapshot["topics"] = {name: snapshot["topics"][name] for name in TOPICS}
    folder = tmp_path / "data" / "python_reference"
    folder.mkdir(parents=True)
    (folder / "topics.json").write_text(json.dumps(snapshot), encoding="utf-8")
    monkeypatch.setenv("GENAI_DESIGN_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("GENAI_DESIGN_HOME", str(tmp_path / "home"))
    return tmp_path


def test_search_prints_json_and_persists_the_index(tiny_course, capsys):
    code = cli.main(["search", "--kb", "python-reference", "--strategy", "hybrid", "--top-k", "2",
                     "--json", "how do I check a condition only while debugging"])
    out = capsys.readouterr().out
    assert code == 0
    payload = json.loads(out)  # a single JSON line
    assert out.count("\n") == 1
    assert payload["query"] == "how do I check a condition only while debugging"
    assert payload["strategy"] == "hybrid"
    assert [h["rank"] for h in payload["hits"]] == [1, 2]
    assert payload["hits"][0]["doc_id"] == "python-reference/assert"
    assert "assert" in payload["hits"][0]["text"]
    assert any((tiny_course / "home" / "indexes" / "chroma").iterdir())


def test_queries_file_gives_one_json_line_per_query(tiny_course, capsys):
    queries = tiny_course / "queries.txt"
    queries.write_text("nonlocal\n\nanonymous function expressions\n", encoding="utf-8")
    code = cli.main(["search", "--strategy", "bm25", "--top-k", "1",
                     "--queries-file", str(queries)])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0 and len(lines) == 2
    results = [json.loads(line) for line in lines]
    assert [r["query"] for r in results] == ["nonlocal", "anonymous function expressions"]
    assert [r["hits"][0]["doc_id"] for r in results] == ["python-reference/nonlocal",
                                                         "python-reference/lambda"]


@pytest.mark.parametrize("argv, message", [
    (["search", "--kb", "nope", "q"], "unknown knowledge base"),
    (["search", "--strategy", "magic", "q"], "unknown strategy"),
    (["search", "--top-k", "0", "q"], "top_k"),
    (["search", "   "], "non-empty"),
    (["search"], "either a query or --queries-file"),
    (["search", "--queries-file", "no/such/file.txt"], "cannot read"),
])
def test_errors_go_to_stderr_with_exit_code_2(tiny_course, capsys, argv, message):
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err
