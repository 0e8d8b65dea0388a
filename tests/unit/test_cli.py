import json

from genai_design import cli


def test_profiles_command_prints_json(capsys):
    assert cli.main(["profiles"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["profiles"]) == {"cpu-default", "colab-t4", "gpu-large"}
    assert out["detected"] in out["profiles"]


def test_server_status_when_nothing_runs(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("GENAI_DESIGN_HOME", str(tmp_path))
    assert cli.main(["server", "status"]) == 0
    assert json.loads(capsys.readouterr().out) == {"running": False}


def test_bad_profile_is_an_error_with_exit_code_2(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("GENAI_DESIGN_HOME", str(tmp_path))
    assert cli.main(["server", "start", "--profile", "nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown profile 'nope'" in err and "cpu-default" in err


def test_info_reports_versions(capsys):
    assert cli.main(["info"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["versions"]["genai-design"] != "-"
    assert int(out["hardware"]["cores"]) >= 1
