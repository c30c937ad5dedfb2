"""Schemathesis against the running service (real HTTP on loopback), on both databases.

Every operation in the OpenAPI document is fuzzed with an officer's and an editor's token,
with all of schemathesis's checks but one: no server error (5xx), every response as the
document declares it (status code, content type, `{code, message}` errors, Allow headers).
`positive_data_acceptance` is left out on purpose: it expects every schema-valid request
to succeed, and some rules are the service's, not the schema's (a brief needs a title or
a body; dates lie in 1900–2199; an adoption needs its level), answered 422 in words.
Logging out is left out too: it would revoke the token the run uses (tested on its own).
The form and upload operations run apart without `negative_data_rejection`: in a form
every value travels as text, so "a list where a string was declared" cannot be told from
a string that looks like a list.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from api.app import create_app
from api.settings import Settings
from tests.api.conftest import login, running

EXAMPLES = 40


@pytest.fixture(scope="module")
def default_server(trained_model_dir, database_url):
    """A running server with the default settings (the 1 MB body limit among them), two users."""
    settings = Settings(database_url=database_url, model_dir=trained_model_dir, secret_key="f" * 48)
    with running(create_app(settings)) as (base, app):
        app.state.service.add_user("officer_a", "officer-pass-a", "officer", unit="清河县农业农村局")
        app.state.service.add_user("editor1", "editor-pass-1", "editor")
        yield base, app


FORMS = ["/api/v1/check/file", "/api/v1/admin/retrain", "/api/v1/auth/token"]


def schemathesis(base: str, token: str, report: Path, *selection: str) -> subprocess.CompletedProcess:
    tool = Path(sys.executable).with_name("schemathesis")
    return subprocess.run(
        [str(tool), "--config-file", str(Path(__file__).with_name("schemathesis.toml")), "run", f"{base}/openapi.json", "--header", f"Authorization: {token}", "--checks", "all",
         *selection, "--exclude-path", "/api/v1/auth/logout", "--max-examples", str(EXAMPLES),
         "--seed", "20261203", "--workers", "1", "--request-timeout", "60", "--suppress-health-check", "all",
         "--report", "junit", "--report-dir", str(report)],
        capture_output=True, text=True, timeout=1200, cwd=report.parent)


@pytest.mark.parametrize("user, password", [("officer_a", "officer-pass-a"), ("editor1", "editor-pass-1")])
def test_no_server_error_and_no_schema_violation(default_server, tmp_path, user, password):
    base, _app = default_server
    token = login(base, user, password).headers["Authorization"]
    json_ops = schemathesis(base, token, tmp_path / "json", "--exclude-checks", "positive_data_acceptance",
                            *[arg for path in FORMS for arg in ("--exclude-path", path)])
    assert json_ops.returncode == 0, json_ops.stdout[-6000:]
    forms = schemathesis(base, token, tmp_path / "forms",
                         "--exclude-checks", "positive_data_acceptance,negative_data_rejection",
                         *[arg for path in FORMS for arg in ("--include-path", path)])
    assert forms.returncode == 0, forms.stdout[-6000:]
    for run in (json_ops, forms):  # every selected operation was exercised
        selected = re.search(r"Selected: (\d+)/\d+", run.stdout).group(1)
        assert re.search(rf"Tested: {selected}\b", run.stdout), run.stdout[-3000:]
