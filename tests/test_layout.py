"""The layout the layering issue set: modules stay small unless they are one thing and say so,
and the packages below the web service never import it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("review", "models", "storage", "batch", "training", "api", "cli")
BELOW_API = ("review", "models", "storage", "batch", "training")
LIMIT = 500


def _modules(packages):
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


@pytest.mark.parametrize("path", [p for p in _modules(PACKAGES) if len(p.read_text().splitlines()) > LIMIT],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_a_long_module_says_why_it_is_one_thing(path):
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    assert "One thing" in doc, f"{path.relative_to(ROOT)} has over {LIMIT} lines: split it, or say why it is one thing"


def test_no_package_below_the_service_imports_it():
    offenders = []
    for path in _modules(BELOW_API):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n == "api" or n.startswith("api.")]
    assert offenders == []

