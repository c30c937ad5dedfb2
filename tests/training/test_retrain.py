"""Champion / challenger: the rule, the schedule, and a retraining on corrupted data refused."""

import json
import random
from datetime import datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from review.brief import SHANGHAI
from review.config import load_config
from cli.main import app
from training.retrain import decide, retrain_due

from tests.conftest import SAMPLE_COUNT, SAMPLES

CHAMPION = {"time": {"macro_f1": 0.90, "adoption_auc": 0.85}, "heldout": {"macro_f1": 0.92, "adoption_auc": 0.84}}


def test_rule_allows_a_drop_within_the_tolerance_only():
    same = json.loads(json.dumps(CHAMPION))
    assert decide(CHAMPION, same, 0.02)[0]
    within = {"time": {"macro_f1": 0.885, "adoption_auc": 0.86}, "heldout": {"macro_f1": 0.93, "adoption_auc": 0.83}}
    assert decide(CHAMPION, within, 0.02)[0]
    worse = {"time": {"macro_f1": 0.95, "adoption_auc": 0.90}, "heldout": {"macro_f1": 0.92, "adoption_auc": 0.80}}
    promoted, reason = decide(CHAMPION, worse, 0.02)
    assert not promoted and "固定留出集采用 AUC 0.800 低于当前模型 0.840" in reason and "macro-F1" not in reason
    assert decide(CHAMPION, worse, 0.05)[0]


def test_rule_skips_a_metric_undefined_on_a_set():
    no_auc = {"time": {"macro_f1": 0.90, "adoption_auc": None}, "heldout": {"macro_f1": 0.92, "adoption_auc": 0.84}}
    assert decide(CHAMPION, no_auc, 0.0)[0]
    only_heldout = {"heldout": {"macro_f1": 0.80, "adoption_auc": 0.84}}
    promoted, reason = decide(CHAMPION, only_heldout, 0.02)
    assert not promoted and reason.startswith("固定留出集类别 macro-F1 0.800")


def _config(tmp_path, **retrain):
    body = "[retrain]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in retrain.items())
    path = tmp_path / "retrain.toml"
    path.write_text(body, encoding="utf-8")
    return load_config(path)


def test_schedule_retrains_nightly_once_with_enough_new_decisions(tmp_path):
    cfg = _config(tmp_path, schedule_enabled=True, schedule_hour=2, min_new_decisions=50)
    night = datetime(2026, 12, 2, 2, 30, tzinfo=SHANGHAI)
    yesterday = night - timedelta(days=1)
    assert retrain_due(night, config=cfg, last_run_at=yesterday, new_decisions=50) == (True, "新增编辑决定 50 条")
    assert retrain_due(night, config=cfg, last_run_at=None, new_decisions=80)[0]
    assert retrain_due(night, config=cfg, last_run_at=yesterday, new_decisions=49) == \
        (False, "新增编辑决定 49 条,不足 50 条")
    assert not retrain_due(night.replace(hour=14), config=cfg, last_run_at=yesterday, new_decisions=500)[0]
    assert not retrain_due(night, config=cfg, last_run_at=night - timedelta(minutes=20), new_decisions=500)[0]
    # the hour is Asia/Shanghai whatever the caller's zone: 18:30 UTC is 02:30 the next day there
    utc = datetime(2026, 12, 1, 18, 30, tzinfo=timezone.utc)
    assert retrain_due(utc, config=cfg, last_run_at=yesterday, new_decisions=50)[0]
    off = _config(tmp_path, schedule_enabled=False)
    assert retrain_due(night, config=off, last_run_at=None, new_decisions=10_000)[0] is False


def test_retrain_settings_are_checked(tmp_path):
    from review.errors import ConfigError

    with pytest.raises(ConfigError):
        _config(tmp_path, test_share=1.5)
    with pytest.raises(ConfigError):
        _config(tmp_path, schedule_hour=24)
    with pytest.raises(ConfigError):
        _config(tmp_path, tolerence=0.1)


@pytest.mark.slow
def test_retraining_on_shuffled_labels_is_refused_and_the_live_model_is_unchanged(
        tmp_path, monkeypatch, trained_model_dir):
    """`--data` relabels every sample with shuffled categories and outcomes: the challenger is
    worse on the fixed held-out set, is kept but not promoted, and the champion stays."""
    from models.registry import ModelRegistry

    root = tmp_path / "registry"
    monkeypatch.setenv("BRIEFS_MODEL_ROOT", str(root))
    monkeypatch.setenv("BRIEFS_DATABASE_URL", f"sqlite:///{tmp_path / 'briefs.db'}")
    monkeypatch.delenv("BRIEFS_CONFIG", raising=False)
    monkeypatch.delenv("BRIEFS_MODEL_DIR", raising=False)
    from api.settings import get_settings

    get_settings.cache_clear()
    registry = ModelRegistry(root)
    registry.ensure_initial(trained_model_dir)
    records = [json.loads(line) for line in SAMPLES.read_text(encoding="utf-8").splitlines()]
    rng = random.Random(7)
    labels = [(r["categories"], r["adoption"]) for r in records]
    rng.shuffle(labels)
    changed = sum(1 for r, (cats, _) in zip(records, labels) if cats[0] != r["categories"][0])
    assert changed > 400  # most primary categories are now wrong
    corrupted = tmp_path / "shuffled.jsonl"
    corrupted.write_text("".join(json.dumps(dict(r, categories=c, adoption=a), ensure_ascii=False) + "\n"
                                 for r, (c, a) in zip(records, labels)), encoding="utf-8")

    result = CliRunner().invoke(app, ["retrain", "--data", str(corrupted)])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "not promoted: 固定留出集类别 macro-F1" in result.output
    assert registry.champion() == "v1" and registry.pointer()["history"] == ["v1"]
    meta = registry.meta("v2")
    assert meta["decision"]["promoted"] is False and meta["parent"] == "v1"
    assert meta["metrics"]["heldout"]["macro_f1"] < meta["decision"]["champion_metrics"]["heldout"]["macro_f1"] - 0.1
    # the champion trained on every sample: no brief is new to it, so only the held-out set judged
    assert "time" not in meta["metrics"] and meta["time_test_size"] == 0
    # the challenger's data is traceable: its snapshot is stored under its hash
    snapshot = root / "snapshots" / f"{meta['snapshot_hash'][:16]}.jsonl"
    assert snapshot.is_file() and meta["snapshot"]["sources"] == {"data": SAMPLE_COUNT}
    # every brief of a --data file counts as retrain.decision_weight samples (3 by default)
    assert meta["weighted"] == {"3.0": SAMPLE_COUNT} and f"编辑决定与补充标注 {SAMPLE_COUNT} 条,每条按 3 条样本计" in result.output
    (run,) = registry.runs()
    assert run["version"] == "v2" and run["promoted"] is False and run["reason"] in result.output.replace("\n", "")
    assert (root / "reports" / "retrain-v2" / "index.html").is_file()
    # The live model is unchanged: commands without --model still score with v1.
    listing = CliRunner().invoke(app, ["models", "list"],
                                 env={"COLUMNS": "200"})
    assert "│ * │ v1" in listing.output and "未上线" in listing.output
    from models import load_model

    assert load_model().version == "v1"
