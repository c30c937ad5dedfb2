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


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_env(request, tmp_path, monkeypatch, trained_model_dir):
    """The CLI's environment on a fresh database of each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'briefs.db'}"
    else:
        url = request.getfixturevalue("postgres").fresh_database("briefs_cli_limits")
    monkeypatch.setenv("BRIEFS_DATABASE_URL", url)
    monkeypatch.setenv("BRIEFS_MODEL_DIR", str(trained_model_dir))
    monkeypatch.setenv("BRIEFS_SECRET_KEY", "s" * 48)
    monkeypatch.setenv("BRIEFS_PASSWORD", "a-long-password")
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_values_no_database_can_hold_are_refused_in_words_with_exit_2(any_db_env, tmp_path):
    import json

    runner = CliRunner()
    cases = [
        (["user", "add", "u" * 81, "--role", "editor"], "用户名"),
        (["user", "add", "wang", "--role", "officer", "--unit", "县" * 201], "单位名称超过 200 个字符"),
        (["user", "add", "wang\x00", "--role", "editor"], "空字符"),
    ]
    for args, words in cases:
        r = runner.invoke(app, args)
        assert r.exit_code == 2 and words in r.output and "Traceback" not in r.output, (args, r.output)
    for unit, words in (("县" * 201, "单位名称超过 200 个字符"), ("清河县\x00教育局", "空字符")):
        archive = tmp_path / "archive.jsonl"
        archive.write_text(json.dumps({"id": "x-1", "unit": unit, "title": "标题", "body": "正文内容。",
                                       "submitted_at": "2026-03-01T09:00:00+08:00"}, ensure_ascii=False) + "\n",
                           encoding="utf-8")
        r = runner.invoke(app, ["import", str(archive)])
        assert r.exit_code == 2 and words in r.output and "Traceback" not in r.output, (unit[:5], r.output)
    # nothing was half-written: no user, and the database still takes a valid import
    assert "wang" not in runner.invoke(app, ["user", "list"], env={"COLUMNS": "200"}).output
