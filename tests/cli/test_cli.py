"""The `briefs` command line: readable reports, JSON, batch scoring, bad input."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

ROOT = Path(__file__).resolve().parents[2]
DRAFT = ("小麦赤霉病在我县南部乡镇出现扩散苗头\n"
         "6月10日至11日,县植保站对南部5个乡镇开展病情调查,调查田块86块,发现赤霉病病穗的有31块,占36%,"
         "比去年同期明显偏高。据气象部门预报,未来10天仍有2至3次降雨,病害可能进一步扩散。"
         "建议县财政安排应急资金120万元,组织统防统治。\n")


@pytest.fixture()
def runner(trained_model_dir, monkeypatch):
    monkeypatch.setenv("BRIEFS_MODEL_DIR", str(trained_model_dir))
    monkeypatch.delenv("BRIEFS_CONFIG", raising=False)
    return CliRunner()


def test_check_txt_prints_a_chinese_report(runner, tmp_path):
    path = tmp_path / "draft.txt"
    path.write_text(DRAFT, encoding="utf-8")
    result = runner.invoke(app, ["check", str(path), "--unit", "清河县农业农村局", "--submitted-at", "2026-06-12T16:00"])
    assert result.exit_code == 0, result.output
    assert "信息自查报告" in result.output and "类别判断" in result.output and "采用可能性" in result.output
    assert "小麦赤霉病" in result.output


def test_check_json_follows_the_contract(runner, tmp_path):
    path = tmp_path / "draft.txt"
    path.write_text(DRAFT, encoding="utf-8")
    result = runner.invoke(app, ["check", str(path), "--json", "--submitted-at", "2026-07-30T10:00"])
    assert result.exit_code == 0, result.output
    review = json.loads(result.output)
    assert review["id"] == "draft" and review["model_version"] == "test-model"
    assert set(review["adoption"]) >= {"probability", "expected_points"}
    stale = [f for f in review["flags"] if f["code"] == "stale"]  # June 11 seen from July 30
    assert [f["evidence"] for f in stale] == ["11日"]  # the end of "6月10日至11日"


def test_check_docx_and_json_record(runner, tmp_path):
    from docx import Document

    doc = Document()
    for line in DRAFT.strip().split("\n"):
        doc.add_paragraph(line)
    doc.save(tmp_path / "d.docx")
    result = runner.invoke(app, ["check", str(tmp_path / "d.docx"), "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["category"] in ("trend", "problem", "proposal")
    record = {"id": "r-9", "unit": "某单位", "title": "关于设立农村养老服务专项资金的建议", "body": "",
              "submitted_at": "2026-06-12T09:00:00"}
    (tmp_path / "r.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["check", str(tmp_path / "r.json"), "--json"])
    review = json.loads(result.output)
    assert review["id"] == "r-9" and "body_missing" in [f["code"] for f in review["flags"]]


@pytest.mark.parametrize("content,code", [(b"", "empty_brief"), ("标题".encode("gbk"), "invalid_encoding")])
def test_check_bad_files_exit_2_with_chinese_message(runner, tmp_path, content, code):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2 and code in result.output and "错误" in result.output
    assert "Traceback" not in result.output


def test_check_missing_file_and_missing_model(runner, tmp_path, monkeypatch):
    result = runner.invoke(app, ["check", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2 and "找不到文件" in result.output
    monkeypatch.setenv("BRIEFS_MODEL_DIR", str(tmp_path / "no-model"))
    (tmp_path / "d.txt").write_text(DRAFT, encoding="utf-8")
    result = runner.invoke(app, ["check", str(tmp_path / "d.txt")])
    assert result.exit_code == 2 and "model_not_found" in result.output and "make model" in result.output


def test_score_keeps_order_and_reports_bad_records(runner, tmp_path, sample_briefs):
    src = ROOT / "data_samples" / "briefs.jsonl"
    lines = src.read_text(encoding="utf-8").splitlines()[:30]
    expected_ids = [json.loads(x)["id"] for x in lines]
    lines.insert(5, "{broken json")
    lines.insert(9, json.dumps({"id": "bad-date", "unit": "某单位", "title": "t", "body": "b",
                                "submitted_at": "2026-02-30T10:00:00"}))
    inp = tmp_path / "in.jsonl"
    inp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["score", str(inp), "-o", str(out)])
    assert result.exit_code == 2  # some records were bad
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 32
    assert rows[5]["error"]["code"] == "invalid_json" and rows[5]["line"] == 6
    assert rows[9]["error"]["code"] == "invalid_date" and rows[9]["id"] == "bad-date"
    good = [r for i, r in enumerate(rows) if i not in (5, 9)]
    assert [r["id"] for r in good] == expected_ids
    assert all("category" in r for r in good)
    assert "评分 30 条" in result.output and "错误 2 条" in result.output


def test_score_csv_to_stdout(runner, tmp_path, sample_briefs):
    path = tmp_path / "in.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "unit", "title", "body", "submitted_at"])
        for b in sample_briefs[:5]:
            writer.writerow([b.id, b.unit, b.title, b.body, b.submitted_at.isoformat()])
    result = runner.invoke(app, ["score", str(path)])
    assert result.exit_code == 0, result.output
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines() if line.startswith("{")]
    assert ids == [b.id for b in sample_briefs[:5]]


def test_queue_ranks_with_reasons(runner):
    result = runner.invoke(app, ["queue", str(ROOT / "data_samples" / "heldout.jsonl"), "--top", "5"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "编辑预审队列(共 120 条,显示前 5 条)" in result.output and "预计采用" in result.output
    # A long unit name wraps onto a second table line, whose rank cell is empty.
    ranks = [line.split("│")[1].strip() for line in result.output.splitlines() if line.startswith("│")]
    assert [r for r in ranks if r] == ["1", "2", "3", "4", "5"]


def test_evaluate_heldout_with_a_trained_model(runner):
    result = runner.invoke(app, ["evaluate", str(ROOT / "data_samples" / "heldout.jsonl"), "--model",
                                 os.environ["BRIEFS_MODEL_DIR"], "--json"])
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.output)
    assert report["scheme"] == "heldout" and report["n"] == 120
    assert len(report["full"]["confusion"]) == 5 and 0.5 < report["adoption_auc"] <= 1


def test_real_process_reads_stdin_and_exits_2_without_traceback(trained_model_dir, tmp_path):
    env = {**os.environ, "BRIEFS_MODEL_DIR": str(trained_model_dir)}
    briefs = [sys.executable, "-m", "cli.main"]
    ok = subprocess.run(briefs + ["check", "-", "--json"], input=DRAFT.encode(), capture_output=True, env=env,
                        cwd=ROOT)
    assert ok.returncode == 0, ok.stderr.decode()
    assert json.loads(ok.stdout)["id"] == "draft"
    bad = subprocess.run(briefs + ["check", "--submitted-at", "yesterday", "--title", "x"], capture_output=True,
                         env=env, cwd=ROOT)
    assert bad.returncode == 2 and b"Traceback" not in bad.stderr
    assert "--submitted-at" in bad.stderr.decode() and "invalid_date" in bad.stderr.decode()


@pytest.mark.parametrize("args, code", [
    (["missing.jsonl", "-o", "out.jsonl"], "file_not_found"),
    (["in.jsonl", "-o", "out.txt"], "unsupported_format"),
    (["in.jsonl", "-o", "out.jsonl", "--executor", "dask"], "missing_option"),
    (["in.jsonl", "-o", "out.jsonl", "--executor", "spark"], "invalid_option"),
    (["in.jsonl", "--resume"], "missing_option"),
    (["in.xlsx", "-o", "out.jsonl"], "unsupported_format"),
])
def test_score_bad_options_exit_2_and_leave_nothing(runner, tmp_path, monkeypatch, args, code):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.jsonl").write_text((ROOT / "data_samples" / "briefs.jsonl").read_text(encoding="utf-8")
                                       .splitlines()[0] + "\n", encoding="utf-8")
    (tmp_path / "in.xlsx").write_bytes(b"PK\x03\x04")
    result = runner.invoke(app, ["score", *args])
    assert result.exit_code == 2
    assert f"({code})" in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "in.xlsx"]
