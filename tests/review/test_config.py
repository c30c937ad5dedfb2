"""Configuration: documented defaults, partial overrides merged, mistakes refused."""

import pytest

from review.config import load_config
from review.errors import ConfigError


def test_the_readme_example_overrides_only_its_keys(tmp_path):
    path = tmp_path / "office.toml"
    path.write_text("[freshness]\nurgent_deadline_hours = 4\n\n[points]\n"
                    "adoption = { county = 4, city = 10, province = 12, central = 20 }\n", encoding="utf-8")
    cfg = load_config(path)
    assert cfg.section("freshness")["urgent_deadline_hours"] == 4
    assert cfg.section("points")["adoption"]["city"] == 10
    assert cfg.section("points")["instruction"]["city"] == 15  # untouched default
    assert cfg.per_category("freshness", "window_days", "routine") == 3
    assert cfg.per_category("freshness", "window_days", None) == cfg.section("freshness")["window_days"]["default"]


@pytest.mark.parametrize("text,fragment", [
    ("[freshnes]\nurgent_deadline_hours = 4\n", "freshnes"),
    ("[freshness]\nurgent_deadline_hours = \"two\"\n", "urgent_deadline_hours"),
    ("[freshness]\nurgent_deadline_hours = -1\n", "urgent_deadline_hours"),
    ("[priority]\nweights = { adoption = 0.9 }\n", "weights"),
    ("[freshness\n", "格式错误"),
])
def test_mistakes_are_refused_with_the_key_named(tmp_path, text, fragment):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert fragment in info.value.message and info.value.code == "invalid_config"


def test_environment_variable_names_the_file(tmp_path, monkeypatch):
    path = tmp_path / "env.toml"
    path.write_text("[length]\ntitle_max = 25\n", encoding="utf-8")
    monkeypatch.setenv("BRIEFS_CONFIG", str(path))
    assert load_config().section("length")["title_max"] == 25
    monkeypatch.setenv("BRIEFS_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError):
        load_config()
