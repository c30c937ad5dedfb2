"""One duplicate index on disk, shared by the review service and `briefs score --index`."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from api.services import Caller, ReviewService
from batch.pipeline import score_stream
from batch.writers import read_output
from review import clock
from review.brief import Brief
from review.errors import ConfigError
from storage.db import make_engine, upgrade
from storage.tables import User

ROOT = Path(__file__).resolve().parents[2]
BODY = ("清河县柳集镇针对农村留守老人吃饭难问题,在12个行政村开办“幸福食堂”,由村集体提供场地,镇财政按每人每餐2元补助,"
        "老人每餐只需交3元。食堂由村里的低收入妇女掌勺,既解决了老人吃饭问题,又为38名妇女提供了就近就业岗位。"
        "截至3月底,全镇幸福食堂累计服务老人4.6万人次,老人家属满意率达到97%。")
COPY = BODY.replace("清河县柳集镇", "安平县河口镇").replace("12个", "9个").replace("38名", "27名")


def _service(tmp_path, model, config, index_dir):
    engine = make_engine(f"sqlite:///{tmp_path / 'briefs.db'}")
    upgrade(engine)
    return engine, ReviewService(engine, model, config, secret="s" * 48, index_dir=index_dir)


def _officer(service):
    service.add_user("officer", "officer-pass", "officer", unit="清河县柳集镇")
    with service.sessions() as session:
        user = session.scalar(select(User).where(User.username == "officer"))
    return Caller(user.id, "officer", "officer", user.unit_id)


def test_service_and_batch_scorer_find_each_others_briefs(tmp_path, model, config):
    index_dir = tmp_path / "dup-index"
    engine, service = _service(tmp_path, model, config, index_dir)
    stored = service.submit(_officer(service), "柳集镇开办幸福食堂解决留守老人吃饭难", BODY)["id"]
    # While the service holds the index, a batch run on it is refused before it writes anything.
    archive = tmp_path / "archive.jsonl"
    later = clock.now() + timedelta(days=1)
    archive.write_text(json.dumps({"id": "batch-1", "unit": "安平县河口镇", "title": "河口镇幸福食堂", "body": COPY,
                                   "submitted_at": later.isoformat()}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "reviews.jsonl"
    with pytest.raises(ConfigError) as info:
        score_stream(archive, out, model=model, config=config, index_dir=index_dir)
    assert info.value.code == "index_locked" and not list(tmp_path.glob("reviews.jsonl*"))
    service.close()
    engine.dispose()

    # The batch scorer finds the service's brief, and adds its own to the index.
    score_stream(archive, out, model=model, config=config, index_dir=index_dir)
    (row,) = list(read_output(out))
    assert stored in [d["id"] for d in row["duplicates"] if d["kind"] == "copy"]

    # A service started on the index again (same database) sees the batch brief in a self-check,
    # and adds no second copy of the briefs the index already holds.
    engine, service = _service(tmp_path, model, config, index_dir)
    assert sorted(service.index.ids()) == sorted([stored, "batch-1"])
    draft = Brief(id="draft", unit="其他单位", title="幸福食堂", body=COPY.replace("9个", "11个"),
                  submitted_at=later + timedelta(hours=1))
    found = [d["id"] for d in service.check(draft)["duplicates"]]
    assert "batch-1" in found and stored in found
    service.close()
    engine.dispose()


def test_reopened_index_reads_only_the_versions_stored_since(tmp_path, model, config, monkeypatch):
    """A service reopening its persistent index does not read every stored brief again (start-up
    stays flat as the archive grows): it adds the versions stored after its checkpoint, and
    those are found as duplicates."""
    index_dir = tmp_path / "dup-index"
    engine, service = _service(tmp_path, model, config, index_dir)
    first = service.submit(_officer(service), "柳集镇开办幸福食堂解决留守老人吃饭难", BODY)["id"]
    service.close()
    # Meanwhile another process (here a service with an in-memory index) stores a second brief.
    other = ReviewService(engine, model, config, secret="s" * 48)
    officer = Caller(*_officer_row(other), unit_head=False)
    second = other.submit(officer, "柳集镇幸福食堂经验", BODY.replace("12个", "15个").replace("97%", "95%"))["id"]
    other.close()
    engine.dispose()

    import api.services.base as base

    def refuse(*args, **kwargs):
        raise AssertionError("the whole archive was read again")

    monkeypatch.setattr(base, "latest_versions", refuse)
    engine, service = _service(tmp_path, model, config, index_dir)
    assert service.index.ids() == [first, second]
    draft = Brief(id="draft", unit="其他单位", title="幸福食堂", body=COPY, submitted_at=clock.now())
    assert {first, second} <= {d["id"] for d in service.check(draft)["duplicates"]}
    service.close()
    engine.dispose()


def test_a_service_not_asked_for_duplicates_never_opens_the_index(tmp_path, model, config):
    """`briefs user add` builds the service to add a user: that neither fingerprints the archive
    nor takes the index's lock."""
    index_dir = tmp_path / "dup-index"
    engine, service = _service(tmp_path, model, config, index_dir)
    service.add_user("editor", "editor-pass", "editor")
    assert service._index is None and not (index_dir / "index.json").exists()
    engine.dispose()


def _officer_row(service):
    with service.sessions() as session:
        user = session.scalar(select(User).where(User.username == "officer"))
        return user.id, "officer", "officer", user.unit_id
