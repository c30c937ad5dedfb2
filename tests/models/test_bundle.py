"""Model directories: overfit, save, reload, identical predictions; damaged ones refused."""

import json
import zipfile

import numpy as np
import pytest

from models import load_model
from models.bundle import BriefModel
from review.engine import columns, review_briefs
from review.errors import ModelError
from training.train import train_model


def test_overfit_then_save_then_reload_gives_identical_predictions(small_set, tmp_path, config):
    model = train_model(small_set, config=config, params={"C": 100.0}, version="overfit")
    probs, urgent = model.predict_proba(columns(small_set))
    predicted = np.argmax(probs, axis=1)
    truth = [["routine", "experience", "problem", "proposal", "trend"].index(b.labels.category) for b in small_set]
    assert np.mean(predicted == np.array(truth)) >= 0.95  # it learned its training set
    model.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "meta.json").read_text(encoding="utf-8"))
    assert meta["version"] == "overfit" and meta["labels"] == ["experience", "problem", "proposal", "routine", "trend"]
    assert len(meta["training_data_hash"]) == 64 and set(meta["files"]) == {"classifier.skops", "adoption.skops"}
    again = load_model(tmp_path / "m")
    p2, u2 = again.predict_proba(columns(small_set))
    np.testing.assert_array_equal(probs, p2)
    np.testing.assert_array_equal(urgent, u2)
    r1 = [r.to_dict() for r in review_briefs(small_set, model, config=config)]
    r2 = [r.to_dict() for r in review_briefs(small_set, again, config=config)]
    assert r1 == r2


def test_no_pickle_in_model_files(trained_model_dir):
    for name in ("classifier.skops", "adoption.skops"):
        with zipfile.ZipFile(trained_model_dir / name) as zf:
            schema = json.loads(zf.read("schema.json"))
            assert "protocol" in schema  # a skops file: JSON schema plus arrays, no pickle stream
            assert not any(n.endswith(".pkl") for n in zf.namelist())


def test_tampered_file_is_refused(model_copy_dir):
    path = model_copy_dir / "adoption.skops"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError) as info:
        BriefModel.load(model_copy_dir)
    assert info.value.code == "model_hash_mismatch"


def test_missing_file_and_missing_dir_are_refused(model_copy_dir, tmp_path):
    (model_copy_dir / "classifier.skops").unlink()
    with pytest.raises(ModelError) as info:
        BriefModel.load(model_copy_dir)
    assert info.value.code == "model_incomplete"
    with pytest.raises(ModelError) as info:
        BriefModel.load(tmp_path / "nowhere")
    assert info.value.code == "model_not_found"


def test_foreign_type_is_refused_even_with_a_matching_hash(model_copy_dir):
    import skops.io as sio

    from models.store import file_sha256

    # a file that names a type outside the allowlist, with meta.json updated to match
    from fractions import Fraction

    sio.dump({"adoption": Fraction(1, 3), "instruction": None}, model_copy_dir / "adoption.skops")
    meta_path = model_copy_dir / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["files"]["adoption.skops"] = file_sha256(model_copy_dir / "adoption.skops")
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError) as info:
        BriefModel.load(model_copy_dir)
    assert info.value.code == "model_untrusted" and "fractions.Fraction" in info.value.message


def test_title_only_brief_is_classified(model, sample_briefs):
    titles = [b for b in sample_briefs if b.title][:50]
    probs, _ = model.predict_proba(np.array([[b.title, ""] for b in titles], dtype=object))
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert probs.max(axis=1).mean() > 0.4  # not a uniform guess


def test_loading_models_does_not_import_torch_and_trusts_the_same_types():
    import subprocess
    import sys

    # skops lists scikit-learn's estimators at import; models.store keeps the torch and Dask
    # array adapters out of that listing (1.4 s of start-up) and must trust exactly the same types.
    probe = ("import sys, json{0}; from skops.io._trusted_types import SKLEARN_ESTIMATOR_TYPE_NAMES as names; "
             "print(json.dumps([sorted(names), 'torch' in sys.modules]))")
    ours = subprocess.run([sys.executable, "-c", probe.format(", models.store")], capture_output=True, text=True,
                          check=True)
    plain = subprocess.run([sys.executable, "-c", probe.format(", skops.io")], capture_output=True, text=True,
                           check=True)
    (our_names, our_torch), (plain_names, plain_torch) = json.loads(ours.stdout), json.loads(plain.stdout)
    assert our_names == plain_names and len(our_names) > 100
    assert not our_torch and plain_torch  # plain skops imports torch; ours does not
