"""A check is one file: its Chinese name and queue penalty are declared with it, and the
table of codes in docs/engine.md is the registry's, so neither can drift."""

import re
from pathlib import Path

import pytest

from review.checks import flag_names_zh, flag_penalties, load_checks
from review.config import load_config
from review.errors import ConfigError
from review.ranking import priority_components

ROOT = Path(__file__).resolve().parents[2]


def _table_rows():
    text = (ROOT / "docs" / "engine.md").read_text(encoding="utf-8")
    start = text.index("| code | name | queue penalty | severity | fires when |")
    rows = {}
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("| `"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        codes = re.findall(r"`(\w+)`", cells[0])
        for code, name, penalty in zip(codes, cells[1].split(" / "), cells[2].split(" / ")):
            rows[code] = (name, float(penalty), cells[3])
    return rows


def test_the_engine_reference_lists_every_code_with_the_checks_own_name_penalty_and_severity():
    rows = _table_rows()
    names, penalties = flag_names_zh(), flag_penalties()
    assert set(rows) == set(names)
    severities = {c.code: c.severity for c in load_checks()} | {"no_event_time": "info"}
    for code, (name, penalty, severity) in rows.items():
        assert (name, penalty, severity) == (names[code], penalties[code], severities[code]), code


def test_every_check_declares_a_chinese_name_and_a_penalty():
    for check in load_checks():
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,8}", check.name_zh), check.code
        assert 0 <= check.penalty <= 1


def test_the_configuration_overrides_a_checks_penalty_and_refuses_an_unknown_code():
    assert flag_penalties()["duplicate"] == 0.6
    config = load_config(None, overrides={"priority": {"flag_penalty": {"duplicate": 0.9, "punctuation": 0}}})
    assert flag_penalties(config.section("priority")["flag_penalty"])["duplicate"] == 0.9
    assert flag_penalties(config.section("priority")["flag_penalty"])["punctuation"] == 0.0
    with pytest.raises(ConfigError) as refused:
        flag_penalties({"duplicat": 0.5})
    assert "duplicat" in str(refused.value) and "不是任何检查的代码" in str(refused.value)
    with pytest.raises(ConfigError):
        load_config(None, overrides={"priority": {"flag_penalty": {"duplicate": -1}}})


def test_an_overridden_penalty_moves_the_quality_component(sample_briefs):
    from review.analysis import analyse
    from review.result import Flag

    brief = sample_briefs[0]
    flags = [Flag("duplicate", "warning", "…")]
    default = load_config()
    harsher = load_config(None, overrides={"priority": {"flag_penalty": {"duplicate": 1.0}}})
    args = (brief, analyse(brief, default), [0.2] * 5, "routine", 0.1, 0.0, flags)
    weight = default.section("priority")["weights"]["quality"]
    assert priority_components(*args, default)["quality"] == pytest.approx(weight * 0.4)
    assert priority_components(*args, harsher)["quality"] == 0.0
