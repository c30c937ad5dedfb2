"""The model registry: versions, the promoted pointer, rollback, and damaged models refused."""

import json

import pytest

from models.registry import ChampionHolder, ModelRegistry
from review.errors import ModelError


@pytest.fixture()
def registry(tmp_path, trained_model_dir):
    """A registry whose v1 (the session model) is the champion, and an unpromoted v2."""
    reg = ModelRegistry(tmp_path / "registry")
    assert reg.ensure_initial(trained_model_dir) == "v1"
    assert reg.ensure_initial(trained_model_dir) is None  # only an empty registry is seeded
    assert reg.register_dir(trained_model_dir, parent="v1") == "v2"
    return reg


def _damage(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_versions_carry_their_name_parent_and_training_data(registry, trained_model_dir):
    assert registry.versions() == ["v1", "v2"] and registry.champion() == "v1"
    listing = registry.list()
    assert [(r["version"], r["promoted"], r["parent"]) for r in listing] == [("v1", True, None), ("v2", False, "v1")]
    original = json.loads((trained_model_dir / "meta.json").read_text(encoding="utf-8"))
    meta = registry.meta("v2")
    assert meta["source_version"] == "test-model" and meta["backend"] == "linear"
    assert meta["training_data_hash"] == original["training_data_hash"] and len(meta["training_data_hash"]) == 64
    assert meta["label_counts"] == original["label_counts"] and "created_at" in meta and "metrics" in meta
    # the model's own version is the registry name, so reviews made by it name it
    assert registry.load("v2").version == "v2"
    assert not list(registry.root.glob(".tmp-*"))  # nothing half-written left behind


def test_promote_and_rollback_move_the_pointer(registry):
    assert registry.promote("v2") == "v1"
    assert registry.pointer()["history"] == ["v1", "v2"] and registry.load_champion().version == "v2"
    assert registry.rollback() == "v1" and registry.champion() == "v1"
    with pytest.raises(ModelError) as info:
        registry.rollback()
    assert info.value.code == "nothing_to_rollback" and registry.champion() == "v1"


@pytest.mark.parametrize("name", ["../v1", "v1/../v2", "/etc", "v0", "V2", "v2 ", "latest"])
def test_only_version_names_are_accepted(registry, name):
    with pytest.raises(ModelError) as info:
        registry.load(name)
    assert info.value.code == "invalid_version"


def test_unknown_version_is_refused(registry):
    with pytest.raises(ModelError) as info:
        registry.promote("v9")
    assert info.value.code == "version_not_found" and registry.champion() == "v1"


@pytest.mark.parametrize("damage, code", [("flip", "model_hash_mismatch"), ("delete", "model_incomplete")])
def test_damaged_version_is_not_promoted_and_the_champion_stays(registry, damage, code):
    target = registry.root / "v2" / "classifier.skops"
    _damage(target) if damage == "flip" else target.unlink()
    with pytest.raises(ModelError) as info:
        registry.promote("v2")
    assert info.value.code == code
    assert registry.champion() == "v1" and registry.pointer()["history"] == ["v1"]


def test_holder_follows_promotions_and_keeps_serving_when_the_new_champion_is_damaged(registry):
    holder = ChampionHolder(registry)
    assert holder.current().version == "v1"
    registry.promote("v2")  # as another process (the command line) would
    assert holder.current().version == "v2"
    registry.rollback()
    assert holder.current().version == "v1"
    # The pointer is moved by hand to a version whose file was tampered with afterwards.
    registry.promote("v2")
    registry.rollback()
    _damage(registry.root / "v2" / "adoption.skops")
    (registry.root / "promoted.json").write_text(json.dumps({"version": "v2", "history": ["v1", "v2"]}),
                                                 encoding="utf-8")
    model = holder.current()
    assert model.version == "v1"  # still serving the last good champion
    assert holder.refused["version"] == "v2" and holder.refused["code"] == "model_hash_mismatch"
