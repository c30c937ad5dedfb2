"""Checks of a brief, one per module; `load_checks()` returns them all, in a stable order."""

from __future__ import annotations

import importlib
import pkgutil

from review.checks.base import REGISTRY, Check, CheckContext, register

__all__ = ["Check", "CheckContext", "REGISTRY", "load_checks", "register", "run_checks"]


_LOADED: list[Check] = []


def load_checks() -> list[Check]:
    """Import every check module of this package once and return the registered checks."""
    if not _LOADED or len(_LOADED) != len(REGISTRY):
        for info in pkgutil.iter_modules(__path__):
            if info.name != "base":
                importlib.import_module(f"{__name__}.{info.name}")
        _LOADED[:] = [REGISTRY[code] for code in sorted(REGISTRY)]
    return list(_LOADED)


def run_checks(brief, context: CheckContext, checks: list[Check] | None = None) -> list:
    """All flags of one brief, errors first, then warnings, then info."""
    order = {"error": 0, "warning": 1, "info": 2}
    flags = []
    for check in checks if checks is not None else load_checks():
        flags.extend(check.check(brief, context))
    return sorted(flags, key=lambda f: order[f.severity])
