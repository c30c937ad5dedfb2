"""The one clock: the office's day whatever the server's zone, and no other clock in the tree."""

import ast
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import time_machine

from review import clock
from review.errors import ConfigError
from tests.conftest import MOMENTS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("instant,office_day", MOMENTS)
def test_today_is_the_office_day_not_the_servers(instant, office_day, process_zone):
    with time_machine.travel(instant, tick=False):
        assert clock.today() == office_day
        now = clock.now()
        assert now.utcoffset() == timedelta(hours=8) and now == instant
        # the process's own calendar says otherwise at the midnight moments: that is the trap
        server_day = date(*time.localtime()[:3])
        assert server_day != office_day if instant.hour == 16 else server_day == office_day or process_zone != "UTC"


def test_the_zone_is_configurable_and_checked(monkeypatch):
    instant = datetime(2026, 12, 31, 16, 30, tzinfo=timezone.utc)
    monkeypatch.setenv(clock.ZONE_ENV, "Asia/Urumqi")  # UTC+6
    with time_machine.travel(instant, tick=False):
        assert clock.today() == date(2026, 12, 31) and clock.now().hour == 22
    monkeypatch.setenv(clock.ZONE_ENV, "Mars/Olympus")
    with pytest.raises(ConfigError, match="时区"):
        clock.now()


def test_day_bounds_and_naive_times_are_office_time():
    start, end = clock.day_start(date(2026, 3, 1)), clock.day_after(date(2026, 3, 31))
    assert (start.isoformat(), end.isoformat()) == ("2026-03-01T00:00:00+08:00", "2026-04-01T00:00:00+08:00")
    assert clock.localize(datetime(2026, 3, 1, 9, 0)).isoformat() == "2026-03-01T09:00:00+08:00"
    assert clock.localize(datetime(2026, 3, 1, 1, 0, tzinfo=timezone.utc)).isoformat() == "2026-03-01T09:00:00+08:00"
    assert clock.from_timestamp(0).isoformat() == "1970-01-01T08:00:00+08:00"


def _clock_calls(path: Path) -> list[str]:
    """Calls in `path` that read a clock other than review.clock's (line: call)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name, owner = node.func.attr, node.func.value
        owner_name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
        if owner_name not in ("date", "datetime"):
            continue
        naive_stamp = name == "fromtimestamp" and len(node.args) + len(node.keywords) < 2
        if name in ("today", "now", "utcnow", "utcfromtimestamp") or naive_stamp:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {owner_name}.{name}()")
    return found


def test_no_clock_is_read_outside_review_clock():
    files = [p for folder in ("api", "review", "models", "training", "cli", "bench", "tests")
             for p in (ROOT / folder).rglob("*.py") if p != ROOT / "review" / "clock.py"]
    assert len(files) > 50
    assert [hit for p in files for hit in _clock_calls(p)] == []


def test_the_source_check_finds_what_it_forbids(tmp_path):
    bad = ROOT / "tests" / "review" / "_clock_probe_tmp.py"
    bad.write_text("from datetime import date, datetime\n"
                   "a = date.today()\nb = datetime.now()\nc = datetime.utcnow()\n"
                   "d = datetime.fromtimestamp(0)\ne = datetime.fromtimestamp(0, tz)\n", encoding="utf-8")
    try:
        assert [h.split(": ")[1] for h in _clock_calls(bad)] == [
            "date.today()", "datetime.now()", "datetime.utcnow()", "datetime.fromtimestamp()"]
    finally:
        bad.unlink()


def test_a_misspelt_zone_stops_the_service_before_it_starts(monkeypatch):
    from api.app import create_app
    from api.settings import Settings

    monkeypatch.setenv(clock.ZONE_ENV, "Asia/Shangai")
    with pytest.raises(ConfigError, match="Asia/Shangai"):
        create_app(Settings(database_url="sqlite://", secret_key="k" * 48))
