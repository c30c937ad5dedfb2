"""Checks of a brief, one per module; `load_checks()` returns them all, in a stable order."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Mapping

from review.checks.base import REGISTRY, Check, CheckContext, register
from review.errors import ConfigError
from review.proofread import CODES as PROOFREADING_CODES

__all__ = ["Check", "CheckContext", "REGISTRY", "flag_names_zh", "flag_penalties", "load_checks", "proofread",
           "register", "run_checks"]


_LOADED: list[Check] = []


def load_checks() -> list[Check]:
    """Import every check module of this package once and return the registered checks."""
    if not _LOADED or len(_LOADED) != len(REGISTRY):
        for info in pkgutil.iter_modules(__path__):
            if info.name != "base":
                importlib.import_module(f"{__name__}.{info.name}")
        _LOADED[:] = [REGISTRY[code] for code in sorted(REGISTRY)]
    return list(_LOADED)


def flag_names_zh() -> dict[str, str]:
    """Every flag code the checks emit and its Chinese name, as each check declares it."""
    names: dict[str, str] = {}
    for check in load_checks():
        names[check.code] = check.name_zh
        names.update(check.other_codes)
    return names


def flag_penalties(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Each flag code's queue penalty: the check's own, or the configuration's override
    (`[priority] flag_penalty`); an override naming no flag code is refused in words."""
    penalties = {code: 0.0 for code in flag_names_zh()}
    penalties.update({check.code: float(check.penalty) for check in load_checks()})
    for code, value in (overrides or {}).items():
        if code not in penalties:
            raise ConfigError(f"配置项 priority.flag_penalty.{code} 不是任何检查的代码"
                              f"(可用:{'、'.join(sorted(penalties))})")
        penalties[code] = float(value)
    return penalties


def run_checks(brief, context: CheckContext, checks: list[Check] | None = None) -> list:
    """All flags of one brief, errors first, then warnings, then info."""
    order = {"error": 0, "warning": 1, "info": 2}
    flags = []
    for check in checks if checks is not None else load_checks():
        flags.extend(check.check(brief, context))
    return sorted(flags, key=lambda f: order[f.severity])


def proofread(brief, config) -> list:
    """The flags of the proofreading checks alone (for `--fix` tools and the bench), in text order."""
    load_checks()
    # These checks read only the text, the date and the configuration, not the analysis.
    context = CheckContext(config=config, analysis=None, category="", category_scores={}, urgent=False)
    flags = [f for code in PROOFREADING_CODES for f in REGISTRY[code].check(brief, context)]
    return sorted(flags, key=lambda f: f.span or (0, 0))
