"""``python -m rules``: the command line integrators use to check a case by hand."""

import json
import subprocess
import sys

import pytest

from rules.__main__ import main
from tests.contract import TREATMENTS, no_answers, seed_answers

NO_ANSWERS = no_answers()


def run_cli(tmp_path, document, capsys):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    status = main(["evaluate", str(path)])
    return status, json.loads(capsys.readouterr().out)


def test_evaluate_prints_the_contract_json(tmp_path, capsys):
    document = {
        "treatment": "pdo_smooth_threads",
        "appointment_date": "2026-12-10",
        "today": "2026-12-05",
        "answers": {
            **NO_ANSWERS,
            "bleeding_risk_substances": ["ibuprofen"],
            "bleeding_risk_last_dose": "2026-12-04",
        },
    }
    status, printed = run_cli(tmp_path, document, capsys)
    assert status == 0
    assert printed["outcome"] == "reschedule"
    assert printed["earliest_date"] == "2026-12-11"
    assert [f["rule_id"] for f in printed["findings"]] == ["bleeding_risk_7_days"]
    assert printed["ruleset"] == {"id": "pdo_smooth_threads", "version": "2"}


def test_evaluate_with_an_explicit_version(tmp_path, capsys):
    document = {
        "treatment": "pdo_smooth_threads",
        "appointment_date": "2026-12-10",
        "today": "2026-12-01",
        "version": "1",
        "answers": seed_answers(),
    }
    status, printed = run_cli(tmp_path, document, capsys)
    assert (status, printed["outcome"]) == (0, "clear")
    assert printed["ruleset"] == {"id": "pdo_smooth_threads", "version": "1"}


@pytest.mark.parametrize(
    ("document", "keys"),
    [
        pytest.param(
            {"treatment": "botox", "appointment_date": "2026-12-10", "answers": {}},
            {"treatment"},
            id="unknown-treatment",
        ),
        pytest.param(
            {"treatment": "pdo_smooth_threads", "answers": NO_ANSWERS},
            {"appointment_date"},
            id="missing-appointment",
        ),
        pytest.param(
            {
                "treatment": "pdo_smooth_threads",
                "appointment_date": "2026-12-10",
                "today": "2026-12-01",
                "answers": {**NO_ANSWERS, "pregnant": "maybe", "cold_sore": None},
            },
            {"pregnant", "cold_sore"},
            id="every-bad-answer-named",
        ),
        pytest.param(
            {
                "treatment": "pdo_smooth_threads",
                "appointment_date": "2026-12-10",
                "answers": {},
                "patient": "x",
            },
            {"patient"},
            id="unknown-field",
        ),
        pytest.param([1, 2], {"input"}, id="not-an-object"),
        pytest.param("{not json", {"input"}, id="not-json"),
    ],
)
def test_bad_input_prints_errors_and_exits_2(tmp_path, capsys, document, keys):
    status, printed = run_cli(tmp_path, document, capsys)
    assert status == 2
    assert keys <= set(printed["errors"])
    assert all(printed["errors"][key] for key in keys)


def test_missing_file_is_an_error_not_a_traceback(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "nope.json")]) == 2
    assert "input" in json.loads(capsys.readouterr().out)["errors"]


def test_module_runs_as_a_script_from_stdin():
    document = {
        "treatment": "pdo_smooth_threads",
        "appointment_date": "2026-12-10",
        "today": "2026-12-01",
        "answers": {**NO_ANSWERS, "pregnant": "yes"},
    }
    completed = subprocess.run(
        [sys.executable, "-m", "rules", "evaluate", "-"],
        input=json.dumps(document),
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["outcome"] == "reschedule"


def test_questions_and_treatments_describe_the_rule_set(capsys):
    assert main(["treatments"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {"id": "pdo_smooth_threads", "title": "PDO smooth threads", "version": "2"} in listed
    assert [item["id"] for item in listed] == list(TREATMENTS)
    assert main(["questions", "pdo_smooth_threads", "--version", "1"]) == 0
    described = json.loads(capsys.readouterr().out)
    assert [q["id"] for q in described["questions"]][:1] == ["date_of_birth"]
    assert {r["id"] for r in described["rules"]} >= {"pregnancy", "minor"}
    assert main(["questions", "pdo_smooth_threads", "--version", "99"]) == 2
