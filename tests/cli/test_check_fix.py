"""`briefs check --fix`: the draft with every certain suggestion applied, to stdout or to -o."""

import json

import pytest
from typer.testing import CliRunner

from cli.main import app

DRAFT = ("二0二四年我县放管服改革进展\n"
         "截止5月底,副县长赵志刚带队督查了12个乡镇。。村民说：“办事方便多了\n")
FIXED_TITLE = "二〇二四年我县“放管服”改革进展"
FIXED_BODY = "截至5月底，县长赵志刚带队督查了12个乡镇。村民说：“办事方便多了"


@pytest.fixture()
def runner(trained_model_dir, monkeypatch):
    monkeypatch.setenv("BRIEFS_MODEL_DIR", str(trained_model_dir))
    monkeypatch.delenv("BRIEFS_CONFIG", raising=False)
    return CliRunner()


def test_fix_writes_the_corrected_draft_to_stdout(runner, tmp_path):
    path = tmp_path / "draft.txt"
    path.write_text(DRAFT, encoding="utf-8")
    result = runner.invoke(app, ["check", str(path), "--fix", "--submitted-at", "2025-06-15T10:00"])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{FIXED_TITLE}\n{FIXED_BODY}\n"
    assert "已采纳 6 处确定的修改建议" in result.stderr


def test_fix_with_output_writes_the_file_and_prints_the_report(runner, tmp_path):
    path, target = tmp_path / "draft.txt", tmp_path / "fixed.txt"
    path.write_text(DRAFT, encoding="utf-8")
    result = runner.invoke(app, ["check", str(path), "--fix", "-o", str(target), "--submitted-at", "2025-06-15T10:00"])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == f"{FIXED_TITLE}\n{FIXED_BODY}\n"
    assert "信息自查报告" in result.stdout and "建议改为:截至" in result.stdout
    assert "姓名职务有误" in result.stdout


def test_the_roster_is_read_on_the_submission_date(runner, tmp_path):
    path = tmp_path / "draft.txt"
    path.write_text(DRAFT, encoding="utf-8")
    result = runner.invoke(app, ["check", str(path), "--fix", "--submitted-at", "2022-06-15T10:00"])
    assert result.exit_code == 0, result.output
    assert "副县长赵志刚" in result.stdout  # he was 副县长 in 2022: nothing to correct


def test_json_review_carries_suggestions_and_fixes(runner, tmp_path):
    path = tmp_path / "draft.txt"
    path.write_text(DRAFT, encoding="utf-8")
    result = runner.invoke(app, ["check", str(path), "--json", "--submitted-at", "2025-06-15T10:00"])
    review = json.loads(result.stdout)
    wrong = [f for f in review["flags"] if f["code"] == "wrong_word"]
    assert wrong == [{"code": "wrong_word", "severity": "warning", "message": wrong[0]["message"], "evidence": "截止",
                      "span": [15, 17], "spans": [[15, 17]], "suggestion": "截至", "fixes": [{"start": 15, "end": 17, "text": "截至"}]}]
