"""Shared fixtures: the hand-written samples and one trained model per session."""

from __future__ import annotations

import json
import shutil
import time
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from review.config import load_config
from review.readers import load_briefs

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data_samples" / "briefs.jsonl"
# How many briefs the training corpus holds (one per non-empty line), for tests that count them.
SAMPLE_COUNT = sum(1 for line in SAMPLES.open(encoding="utf-8") if line.strip())

# The awkward moments for an office in Asia/Shanghai (UTC+8): (UTC instant, the office's day).
MOMENTS = [
    (datetime(2026, 12, 31, 15, 30, tzinfo=timezone.utc), date(2026, 12, 31)),  # 23:30 on New Year's Eve
    (datetime(2026, 12, 31, 16, 30, tzinfo=timezone.utc), date(2027, 1, 1)),  # 00:30 on New Year's Day
    (datetime(2026, 11, 30, 15, 30, tzinfo=timezone.utc), date(2026, 11, 30)),  # 23:30, last day of a month
    (datetime(2026, 11, 30, 16, 30, tzinfo=timezone.utc), date(2026, 12, 1)),  # 00:30, first day of a month
]


@pytest.fixture(params=["UTC", "America/Los_Angeles"])
def process_zone(request, monkeypatch):
    """The server process's own zone (TZ), which must never decide the office's day."""
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(scope="session")
def config():
    """The built-in defaults (ignores $BRIEFS_CONFIG so tests do not depend on the shell)."""
    return load_config(ROOT / "review" / "defaults.toml")


@pytest.fixture(scope="session")
def sample_briefs():
    """All labelled briefs of data_samples/briefs.jsonl."""
    return load_briefs(SAMPLES)


@pytest.fixture(scope="session")
def sample_records():
    """The raw JSON records of the samples, by id (for the extra labels: quality tags, duplicates)."""
    with SAMPLES.open(encoding="utf-8") as fh:
        return {rec["id"]: rec for rec in map(json.loads, fh)}


@pytest.fixture(scope="session")
def trained_model_dir(tmp_path_factory, sample_briefs, config):
    """A model trained once on the samples and saved; tests load their own copy."""
    from training.train import train_model

    path = tmp_path_factory.mktemp("model") / "default"
    train_model(sample_briefs, config=config, version="test-model").save(path)
    return path


@pytest.fixture()
def model(trained_model_dir):
    """A freshly loaded copy of the session model."""
    from models import load_model

    return load_model(trained_model_dir)


@pytest.fixture()
def model_copy_dir(trained_model_dir, tmp_path):
    """A copy of the session model directory that a test may damage."""
    target = tmp_path / "model"
    shutil.copytree(trained_model_dir, target)
    return target


@pytest.fixture(scope="module")
def small_set(sample_briefs):
    """12 titled briefs of each category."""
    by_cat = {}
    for b in sample_briefs:
        if b.title and b.body:
            by_cat.setdefault(b.labels.category, []).append(b)
    return [b for cat in sorted(by_cat) for b in by_cat[cat][:12]]


@pytest.fixture(scope="session")
def postgres():
    """One real PostgreSQL server for the session (Debian's binaries; `make postgres` installs them)."""
    from tests.pg import PostgresServer

    server = PostgresServer().start()
    yield server
    server.stop()


# One Chromium for the whole session, shared by every package's browser tests (a second
# sync Playwright started while this one runs would fail: it finds this one's event loop).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser():
    """A real headless Chromium (Debian's package, which `make test` installs), driven by Playwright."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable, "需要 Debian 的 chromium 软件包:运行 make chromium(make test 会自动安装)"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
