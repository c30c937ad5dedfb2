"""Training snapshots: samples joined with decided briefs from the database, corrections applied."""

import dataclasses
import json

import pytest

from storage.db import make_engine, upgrade
from api.services import Caller, ReviewService
from review.readers import load_briefs
from training.snapshot import build_snapshot, time_split
from training.train import data_hash

from tests.conftest import ROOT, SAMPLE_COUNT, SAMPLES

HELDOUT = ROOT / "data_samples" / "heldout.jsonl"


@pytest.fixture()
def service(tmp_path, model, config):
    engine = make_engine(f"sqlite:///{tmp_path / 'briefs.db'}")
    upgrade(engine)
    svc = ReviewService(engine, model, config, secret="s" * 48)
    svc.add_user("officer", "officer-pass", "officer", unit="清河县农业农村局")
    svc.editor = Caller(svc.add_user("editor", "editor-pass", "editor"), "editor", "editor", None)
    yield svc
    engine.dispose()


def _submit(service, brief):
    with service.sessions() as session:
        from sqlalchemy import select

        from storage.tables import User

        user = session.scalar(select(User).where(User.username == "officer"))
    caller = Caller(user.id, "officer", "officer", user.unit_id)
    return service.submit(caller, brief.title, brief.body)["id"]


def test_decisions_and_corrections_flow_into_the_snapshot(service, config):
    held = load_briefs(HELDOUT)
    new = [dataclasses.replace(b, id=f"x{i}") for i, b in enumerate(load_briefs(SAMPLES)[:4])]
    ids = [_submit(service, b) for b in new]
    # adopted at city level with a category correction; rejected; corrected but still open; returned only
    service.decide(service.editor, ids[0], "recategorise", category="trend")
    service.decide(service.editor, ids[0], "adopt", level="city")
    service.decide(service.editor, ids[0], "instruction", level="county")
    service.decide(service.editor, ids[1], "reject")
    service.decide(service.editor, ids[2], "recategorise", category="proposal")
    service.decide(service.editor, ids[3], "return", text="请补充数据")
    # a held-out brief decided in the database never enters a training set
    held_id = _submit(service, held[0])
    service.decide(service.editor, held_id, "adopt", level="county")

    snap = build_snapshot(config=config, engine=service.engine, samples=SAMPLES, heldout=HELDOUT)
    by_id = {b.id: b for b in snap.briefs}
    assert len(snap.briefs) == SAMPLE_COUNT + 3 and ids[3] not in by_id and held_id not in by_id
    assert snap.excluded_heldout == 1
    first = by_id[ids[0]].labels
    assert first.categories == ("trend",) and first.adoption.level == "city" and first.adoption.instruction == "county"
    assert snap.points[ids[0]] == 0.5 + 8 + 10  # the configured table
    assert by_id[ids[1]].labels.adoption.level == "none"
    stored = service.get_brief(service.editor, ids[1])
    assert by_id[ids[1]].labels.category == stored["category"]  # the category the editor let stand
    assert by_id[ids[2]].labels.category == "proposal" and by_id[ids[2]].labels.adoption is None
    assert snap.corrected == {ids[0], ids[2]}
    assert snap.summary()["sources"] == {"samples": SAMPLE_COUNT, "database": 3}
    assert snap.hash == data_hash(snap.briefs)

    # A later correction changes the content hash; the same state hashes the same.
    assert build_snapshot(config=config, engine=service.engine, samples=SAMPLES, heldout=HELDOUT).hash == snap.hash
    service.decide(service.editor, ids[1], "recategorise", category="problem")
    again = build_snapshot(config=config, engine=service.engine, samples=SAMPLES, heldout=HELDOUT)
    assert again.hash != snap.hash and {b.id: b for b in again.briefs}[ids[1]].labels.category == "problem"


def test_a_sample_in_the_database_keeps_its_hand_labels_unless_corrected(service, config, sample_briefs):
    sample = sample_briefs[0]
    service.import_briefs([sample])  # as `serve --demo` imports the samples
    snap = build_snapshot(config=config, engine=service.engine, samples=SAMPLES)
    assert {b.id: b for b in snap.briefs}[sample.id].labels.categories == sample.labels.categories
    other = next(c for c in ("trend", "routine") if c != sample.labels.category)
    service.decide(service.editor, sample.id, "recategorise", category=other)
    snap = build_snapshot(config=config, engine=service.engine, samples=SAMPLES)
    labels = {b.id: b for b in snap.briefs}[sample.id].labels
    assert labels.category == other and sample.labels.category in labels.categories
    assert snap.sources[sample.id] == "samples+database"


def test_snapshot_file_reads_back_with_the_same_hash(config, tmp_path):
    snap = build_snapshot(config=config, samples=SAMPLES)
    path = snap.write(tmp_path / "snapshots")
    assert path.name == f"{snap.hash[:16]}.jsonl"
    assert data_hash(load_briefs(path)) == snap.hash
    manifest = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert manifest["hash"] == snap.hash and manifest["size"] == SAMPLE_COUNT


def test_data_file_adds_briefs_and_must_be_labelled(config, tmp_path, sample_records):
    rec = dict(next(iter(sample_records.values())), id="extra-1", categories=["trend"])
    path = tmp_path / "extra.jsonl"
    path.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    snap = build_snapshot(config=config, samples=SAMPLES, data=path)
    assert len(snap.briefs) == SAMPLE_COUNT + 1 and snap.sources["extra-1"] == "data"
    del rec["categories"]
    path.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    from review.errors import RecordError

    with pytest.raises(RecordError) as info:
        build_snapshot(config=config, samples=SAMPLES, data=path)
    assert info.value.code == "unlabelled"


def test_time_split_tests_only_on_briefs_newer_than_the_champions_data(sample_briefs):
    train, test = time_split(sample_briefs, 0.2)
    assert len(test) == round(SAMPLE_COUNT * 0.2) and max(b.submitted_at for b in train) <= min(b.submitted_at for b in test)
    newest = max(b.submitted_at for b in sample_briefs)
    train, test = time_split(sample_briefs, 0.2, after=newest, min_test=20)
    assert test == [] and len(train) == SAMPLE_COUNT  # the champion saw everything: nothing fair to test on
    cut = sorted(b.submitted_at for b in sample_briefs)[-10]
    newer = sum(b.submitted_at > cut for b in sample_briefs)
    train, test = time_split(sample_briefs, 0.2, after=cut, min_test=5)
    assert 5 <= len(test) == newer <= 9 and len(train) == SAMPLE_COUNT - newer and all(b.submitted_at > cut for b in test)
    assert time_split(sample_briefs, 0.2, after=cut, min_test=newer + 1)[1] == []
