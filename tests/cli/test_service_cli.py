"""`briefs user`, `briefs import` and `briefs db upgrade` on a fresh database file."""

import pytest
from typer.testing import CliRunner

from api.settings import get_settings
from cli.main import app

from tests.conftest import ROOT


@pytest.fixture()
def db_env(tmp_path, monkeypatch, trained_model_dir):
    monkeypatch.setenv("BRIEFS_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh' / 'briefs.db'}")
    monkeypatch.setenv("BRIEFS_MODEL_DIR", str(trained_model_dir))
    monkeypatch.setenv("BRIEFS_SECRET_KEY", "s" * 48)
    get_settings.cache_clear()
    yield tmp_path / "fresh" / "briefs.db"
    get_settings.cache_clear()


def test_users_on_a_fresh_database(db_env, monkeypatch):
    runner = CliRunner()
    monkeypatch.setenv("BRIEFS_PASSWORD", "a-long-password")
    r = runner.invoke(app, ["user", "add", "wang", "--role", "officer", "--unit", "清河县教育局"])
    assert r.exit_code == 0, r.output
    assert db_env.exists()  # the schema was created on first use
    r = runner.invoke(app, ["user", "add", "li", "--role", "officer"])
    assert r.exit_code == 2 and "unit_required" in r.output
    r = runner.invoke(app, ["user", "add", "wang", "--role", "editor"])
    assert r.exit_code == 2 and "user_exists" in r.output
    r = runner.invoke(app, ["user", "add", "zhao", "--role", "boss"])
    assert r.exit_code == 2 and "invalid_role" in r.output
    runner.invoke(app, ["user", "add", "chen", "--role", "editor"])
    r = runner.invoke(app, ["user", "disable", "chen"], env={"COLUMNS": "200"})
    assert r.exit_code == 0
    listing = runner.invoke(app, ["user", "list"], env={"COLUMNS": "200"}).output
    assert "wang" in listing and "清河县教育局" in listing and "已停用" in listing
    from api.app import build_service

    service = build_service(get_settings())
    assert service.login("wang", "a-long-password")
    from api.errors import Unauthorized

    with pytest.raises(Unauthorized) as info:
        service.login("chen", "a-long-password")
    assert info.value.code == "invalid_credentials"


def test_import_is_idempotent_and_records_outcomes(db_env):
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    r = runner.invoke(app, ["import", str(ROOT / "data_samples" / "heldout.jsonl")])
    assert r.exit_code == 0 and "导入 120 条" in r.output, r.output
    r = runner.invoke(app, ["import", str(ROOT / "data_samples" / "heldout.jsonl")])
    assert "导入 0 条" in r.output
    from api.app import build_service
    from api.services import Caller

    service = build_service(get_settings())
    editor = Caller(0, "x", "editor", None)
    listing = service.list_briefs(editor, limit=200)
    assert listing["total"] == 120
    adopted = service.list_briefs(editor, status="adopted", limit=200)["total"]
    assert adopted == 27  # the held-out set's adopted briefs (data card)
    brief = service.get_brief(editor, "hld-001")
    assert brief["review"]["model_version"] == "test-model" and brief["versions"][0]["version"] == 1
