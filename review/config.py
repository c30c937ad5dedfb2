"""The review configuration: thresholds, windows, weights and the points table.

Defaults live in `defaults.toml` beside this file, with a comment on every key. An
override file holds only the keys it changes; it is merged over the defaults and checked
against them, so a misspelt key or a wrong type is an error, not a silent no-op.
"""

from __future__ import annotations

import copy
import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from review.errors import ConfigError

DEFAULTS_PATH = Path(__file__).with_name("defaults.toml")
CONFIG_ENV = "BRIEFS_CONFIG"


@dataclass(frozen=True)
class ReviewConfig:
    """Read-only nested configuration; `section("length")["title_max"]`."""

    data: Mapping[str, Any] = field(repr=False)

    def section(self, name: str) -> Mapping[str, Any]:
        """One top-level table of the configuration."""
        return self.data[name]

    def per_category(self, section: str, key: str, category: str | None) -> float:
        """A per-category value with its `default` fallback (e.g. freshness windows)."""
        table = self.data[section][key]
        if category is not None and category in table:
            return table[category]
        return table["default"]

    def to_dict(self) -> dict:
        """A plain, mutable deep copy (for display and for stamping into results)."""
        return _thaw(self.data)

    def merged(self, overrides: Mapping[str, Any]) -> "ReviewConfig":
        """This configuration with `overrides` (nested tables of the same keys) merged over it,
        checked as an override file is."""
        return _checked(_merge(self.to_dict(), overrides, "")) if overrides else self


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


# Tables whose keys are not all in review/defaults.toml: the checks' codes (their users check them).
OPEN_TABLES = {"priority.flag_penalty"}


def _merge(base: dict, override: Mapping[str, Any], path: str) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        where = f"{path}.{key}" if path else key
        if key not in base and path in OPEN_TABLES:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigError(f"配置项 {where} 应为非负数")
            out[key] = value
            continue
        if key not in base:
            raise ConfigError(f"配置项 {where} 不存在,请检查拼写(可用项见 review/defaults.toml)")
        current = base[key]
        if isinstance(current, dict):
            if not isinstance(value, Mapping):
                raise ConfigError(f"配置项 {where} 应为表(table)")
            out[key] = _merge(current, value, where)
        elif isinstance(current, bool) or isinstance(value, bool):
            if type(current) is not type(value):
                raise ConfigError(f"配置项 {where} 的类型应为 {type(current).__name__}")
            out[key] = value
        elif isinstance(current, (int, float)):
            if not isinstance(value, (int, float)) or value < 0:
                raise ConfigError(f"配置项 {where} 应为非负数")
            out[key] = value
        elif isinstance(current, list):
            if not isinstance(value, list):
                raise ConfigError(f"配置项 {where} 应为列表")
            out[key] = list(value)
        else:
            if type(current) is not type(value):
                raise ConfigError(f"配置项 {where} 的类型应为 {type(current).__name__}")
            out[key] = value
    return out


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"找不到配置文件:{path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"配置文件 {path} 格式错误:{exc}") from None


def load_config(path: str | os.PathLike | None = None, *, overrides: Mapping[str, Any] | None = None) -> ReviewConfig:
    """Load the defaults, then merge the file at `path` (or $BRIEFS_CONFIG), then `overrides`."""
    data = _read_toml(DEFAULTS_PATH)
    if path is None and os.environ.get(CONFIG_ENV):
        path = os.environ[CONFIG_ENV]
    if path is not None:
        data = _merge(data, _read_toml(Path(path)), "")
    if overrides:
        data = _merge(data, overrides, "")
    return _checked(data)


def _checked(data: dict) -> ReviewConfig:
    """The configuration of `data` once the rules across keys hold."""
    weights = data["priority"]["weights"]
    if abs(sum(weights.values()) - 1.0) > 1e-6:
        raise ConfigError("priority.weights 各项之和应为 1")
    retrain = data["retrain"]
    if not 0 < retrain["test_share"] < 1:
        raise ConfigError("retrain.test_share 应在 0 和 1 之间")
    if not 0 <= retrain["schedule_hour"] <= 23 or int(retrain["schedule_hour"]) != retrain["schedule_hour"]:
        raise ConfigError("retrain.schedule_hour 应为 0 到 23 的整数")
    _check_report_groups(data["report"]["groups"])
    return ReviewConfig(_freeze(data))


def _check_report_groups(groups: list) -> None:
    """report.groups: tables with a name and lists of unit names and name suffixes."""
    for i, group in enumerate(groups):
        where = f"report.groups 第 {i + 1} 项"
        if not isinstance(group, dict) or not isinstance(group.get("name"), str) or not group["name"].strip():
            raise ConfigError(f"{where}应为含 name(组名)的表")
        if set(group) - {"name", "suffixes", "units"}:
            raise ConfigError(f"{where}只能含 name、suffixes、units")
        for key in ("suffixes", "units"):
            values = group.get(key, [])
            if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
                raise ConfigError(f"{where}的 {key} 应为非空字符串的列表")


@lru_cache(maxsize=1)
def default_config() -> ReviewConfig:
    """The defaults merged with $BRIEFS_CONFIG if set, loaded once per process."""
    return load_config()
