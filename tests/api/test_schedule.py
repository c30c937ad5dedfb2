"""The service's nightly check counts editors' decisions since the last run (imports do not count)."""

from datetime import datetime, timedelta

from storage.db import make_engine, upgrade
from api.learning import learning_loop
from api.services import Caller, ReviewService
from models.registry import ChampionHolder, ModelRegistry
from review import clock
from review.config import load_config

from tests.conftest import ROOT


def test_nightly_check_counts_new_editor_decisions(tmp_path, trained_model_dir, sample_briefs):
    registry = ModelRegistry(tmp_path / "registry")
    registry.ensure_initial(trained_model_dir)
    config = load_config(ROOT / "review" / "defaults.toml",
                         overrides={"retrain": {"schedule_enabled": True, "schedule_hour": 2, "min_new_decisions": 3}})
    engine = make_engine(f"sqlite:///{tmp_path / 'briefs.db'}")
    upgrade(engine)
    service = ReviewService(engine, ChampionHolder(registry), config, secret="s" * 48)
    loop = learning_loop(service)
    registered = datetime.fromisoformat(registry.meta("v1")["registered_at"])
    assert loop.last_run_at() == registered  # no run yet: counted from the champion's registration

    adopted = next(b for b in sample_briefs if b.labels.adoption.adopted)
    service.import_briefs([adopted])  # an archive's outcome is not a new editor decision
    editor = Caller(service.add_user("editor", "editor-pass", "editor"), "editor", "editor", None)
    service.decide(editor, adopted.id, "recategorise", category="trend")
    service.decide(editor, adopted.id, "instruction", level="city")
    assert loop.new_decisions_since(loop.last_run_at()) == 2

    tonight = clock.now().replace(hour=2, minute=5) + timedelta(days=1)
    assert loop.scheduled_check(tonight) == {"started": False, "reason": "新增编辑决定 2 条,不足 3 条"}
    service.decide(editor, adopted.id, "adopt", level="province")
    assert loop.scheduled_check(tonight.replace(hour=14)) == {"started": False, "reason": "未到每日 2 时"}
    assert loop.new_decisions_since(loop.last_run_at()) == 3
    assert loop.new_decisions_since(clock.now() + timedelta(minutes=1)) == 0
    engine.dispose()
