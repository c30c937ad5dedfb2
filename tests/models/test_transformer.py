"""The transformer backend on a tiny BERT the test builds itself (no download, no hub).

The "base checkpoint" is what a real one looks like on disk: config.json,
model.safetensors, vocab.txt and tokenizer_config.json. Its WordPiece vocabulary is the
characters of data_samples/briefs.jsonl; its weights are random (2 layers, hidden 32).
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

from models import load_model
from models.bundle import BriefModel
from models.transformer import TransformerClassifier
from review.brief import CATEGORIES
from review.engine import columns, review_briefs
from review.errors import BriefError, ModelError
from tests.conftest import ROOT, SAMPLES

# Settings under which the tiny model overfits 60 briefs in a few seconds on one CPU core.
TINY = {"max_length": 64, "batch_size": 16, "learning_rate": 1e-2, "max_steps": 80, "epochs": 100}


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """One intra-op thread: the CI machine's two cores are shared, and oversubscribed threads crawl."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def base_dir(tmp_path_factory, sample_briefs):
    """A tiny BERT checkpoint saved the way Hugging Face checkpoints are, with a vocabulary from the samples."""
    import torch
    from transformers import BertConfig, BertModel

    path = tmp_path_factory.mktemp("base") / "tiny-bert"
    path.mkdir()
    chars = sorted(set("".join(b.title + b.body for b in sample_briefs)) - set(" \t\n\u3000"))
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars, *("##" + c for c in chars if c.isascii())]
    (path / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    (path / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "BertTokenizer",
                                                            "do_lower_case": False}), encoding="utf-8")
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128)
    BertModel(config).save_pretrained(path, safe_serialization=True)
    return path


@pytest.fixture(scope="module")
def transformer_dir(tmp_path_factory, base_dir, small_set):
    """`briefs train --backend transformer` on the small set, offline: the model directory it saved."""
    from cli.main import app

    folder = tmp_path_factory.mktemp("models")
    data = folder / "train.jsonl"
    wanted = {b.id for b in small_set}
    with SAMPLES.open(encoding="utf-8") as fh:
        data.write_text("".join(line for line in fh if json.loads(line)["id"] in wanted), encoding="utf-8")
    out = folder / "transformer"
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("BRIEFS_CONFIG", raising=False)
        result = CliRunner().invoke(app, [
            "train", str(data), "-o", str(out), "--backend", "transformer", "--base-model", str(base_dir),
            "--max-steps", str(TINY["max_steps"]), "--epochs", str(TINY["epochs"]),
            "--batch-size", str(TINY["batch_size"]), "--max-length", str(TINY["max_length"]),
            "--learning-rate", str(TINY["learning_rate"]), "--combine", "0.25"])
    assert result.exit_code == 0, result.output
    assert "模型已保存" in result.output
    return out


@pytest.fixture()
def damaged_dir(transformer_dir, tmp_path):
    """A copy of the transformer model directory that a test may damage."""
    return shutil.copytree(transformer_dir, tmp_path / "model")


def test_fine_tuning_learns_the_training_set(base_dir, small_set):
    X = columns(small_set)
    y = np.array([b.labels.category for b in small_set])
    untrained = TransformerClassifier(str(base_dir), **{**TINY, "max_steps": 0}).fit(X, y)
    trained = TransformerClassifier(str(base_dir), **TINY).fit(X, y)
    assert untrained.loss_curve_ == [] and trained.n_steps_ == 80 and len(trained.loss_curve_) == 80
    first, last = np.mean(trained.loss_curve_[:10]), np.mean(trained.loss_curve_[-10:])
    assert last < 0.5 * first  # measured: 1.61 falling to 0.09 (means of 10 steps)
    untrained_acc = np.mean(untrained.predict(X) == y)
    trained_acc = np.mean(trained.predict(X) == y)
    assert untrained_acc <= 0.4 and trained_acc >= 0.8  # measured: 0.20 and 1.00
    probs = trained.predict_proba(X)
    assert probs.shape == (len(y), 5) and np.allclose(probs.sum(axis=1), 1.0)
    assert list(trained.classes_) == sorted(CATEGORIES)


def test_long_texts_are_cut_to_what_the_checkpoint_allows(base_dir, small_set):
    mixed = small_set[::6]
    clf = TransformerClassifier(str(base_dir), max_length=1000, max_steps=1, batch_size=4)
    clf.fit(columns(mixed), [b.labels.category for b in mixed])
    assert clf.max_length_ == 128  # the tiny checkpoint's position embeddings
    long = np.array([["农村公路危桥改造" * 5, "全县共有危桥37座," * 400]], dtype=object)
    assert len(clf._encode(long)["input_ids"][0]) == 128
    assert np.allclose(clf.predict_proba(long).sum(axis=1), 1.0)
    with pytest.raises(BriefError) as info:
        TransformerClassifier(str(base_dir)).fit(columns(mixed[:2]), ["routine", "routine"])
    assert info.value.code == "too_few_labels"


def test_a_decoder_checkpoint_without_padding_token(tmp_path, sample_briefs, small_set):
    """Not only BERT: a tiny GPT-2 with a byte-level BPE vocabulary, which has no padding token."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2Model

    base = tmp_path / "tiny-gpt2"
    base.mkdir()
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator([b.title + b.body for b in sample_briefs], trainers.BpeTrainer(
        vocab_size=600, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    bpe.model.save(str(base))  # vocab.json and merges.txt, as GPT-2 checkpoints have them
    (base / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "GPT2Tokenizer", **dict.fromkeys(("bos_token", "eos_token", "unk_token"), "<|endoftext|>")}))
    torch.manual_seed(0)
    GPT2Model(GPT2Config(vocab_size=600, n_embd=32, n_layer=2, n_head=2, n_positions=128, bos_token_id=0,
                         eos_token_id=0)).save_pretrained(base, safe_serialization=True)
    mixed = small_set[::3]
    X = columns(mixed)
    clf = TransformerClassifier(str(base), max_steps=5, max_length=64, batch_size=8)
    probs = clf.fit(X, [b.labels.category for b in mixed]).predict_proba(X)
    assert clf.tokenizer_.pad_token == "<|endoftext|>" and clf.model_.config.pad_token_id == 0
    clf.save(tmp_path / "saved")
    again = TransformerClassifier.load(tmp_path / "saved", clf.get_params())
    assert np.allclose(again.predict_proba(X), probs)


def test_save_then_reload_gives_identical_predictions(transformer_dir, small_set, config):
    meta = json.loads((transformer_dir / "meta.json").read_text(encoding="utf-8"))
    assert meta["backend"] == "transformer" and meta["version"].startswith("transformer-")
    assert meta["combine"] == 0.25 and meta["training_size"] == len(small_set)
    assert meta["transformer"]["steps"] == 80 and meta["transformer"]["params"]["max_length"] == 64
    assert {"transformer/model.safetensors", "transformer/config.json", "classifier.skops",
            "adoption.skops"} <= set(meta["files"])
    assert len(meta["transformer"]["base_model"]["weights_sha256"]) == 64
    on_disk = {p.name for p in (transformer_dir / "transformer").iterdir()}
    assert not any(name.endswith((".bin", ".pkl", ".pt")) for name in on_disk)  # weights as safetensors only
    first, second = load_model(transformer_dir), load_model(transformer_dir)
    assert first.backend == "transformer" and first.version == meta["version"]
    X = columns(small_set)
    p1, u1 = first.predict_proba(X)
    p2, u2 = second.predict_proba(X)
    assert np.allclose(p1, p2) and np.allclose(u1, u2)
    r1 = [r.to_dict() for r in review_briefs(small_set, first, config=config)]
    r2 = [r.to_dict() for r in review_briefs(small_set, second, config=config)]
    assert r1 == r2 and {r["model_version"] for r in r1} == {meta["version"]}


def test_category_probabilities_come_from_the_transformer_combined_by_weight(transformer_dir, small_set):
    model = load_model(transformer_dir)
    X = columns(small_set)
    linear = BriefModel(model.featurizer, model.category, model.urgent, None, None)
    linear_probs, linear_urgent = linear.predict_proba(X)
    raw = model.transformer.predict_proba(X)
    transformer_probs = raw[:, [list(model.transformer.classes_).index(c) for c in CATEGORIES]]
    probs, urgent = model.predict_proba(X)  # saved with --combine 0.25
    assert np.allclose(probs, 0.25 * linear_probs + 0.75 * transformer_probs)
    assert np.allclose(urgent, linear_urgent)  # urgency stays the default model's
    model.meta["combine"] = 0.0
    probs, _ = model.predict_proba(X)
    assert np.allclose(probs, transformer_probs)


def test_tampered_weights_are_refused(damaged_dir):
    path = damaged_dir / "transformer" / "model.safetensors"
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError) as info:
        BriefModel.load(damaged_dir)
    assert info.value.code == "model_hash_mismatch" and "model.safetensors" in info.value.message


def test_missing_and_unrecorded_files_are_refused(damaged_dir):
    pickled = damaged_dir / "transformer" / "pytorch_model.bin"
    pickled.write_bytes(b"not to be loaded")
    with pytest.raises(ModelError) as info:
        BriefModel.load(damaged_dir)
    assert info.value.code == "model_unexpected_file" and "pytorch_model.bin" in info.value.message
    pickled.unlink()
    meta_path = damaged_dir / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta_path.write_text(json.dumps({**meta, "combine": 3}), encoding="utf-8")
    with pytest.raises(ModelError) as info:
        BriefModel.load(damaged_dir)
    assert info.value.code == "model_corrupt" and "combine" in info.value.message
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    (damaged_dir / "transformer" / "config.json").unlink()
    with pytest.raises(ModelError) as info:
        BriefModel.load(damaged_dir)
    assert info.value.code == "model_incomplete"


def test_base_checkpoint_must_exist_and_hold_safetensors(tmp_path, base_dir, small_set):
    X, y = columns(small_set), [b.labels.category for b in small_set]
    with pytest.raises(ModelError) as info:
        TransformerClassifier(str(tmp_path / "nowhere")).fit(X, y)
    assert info.value.code == "base_model_not_found"
    unsafe = shutil.copytree(base_dir, tmp_path / "unsafe")
    (unsafe / "model.safetensors").rename(unsafe / "pytorch_model.bin")
    with pytest.raises(ModelError) as info:
        TransformerClassifier(str(unsafe)).fit(X, y)
    assert info.value.code == "base_model_unsafe"


def test_base_checkpoint_needs_a_known_architecture_and_a_vocabulary_for_the_text(tmp_path, base_dir, small_set):
    X, y = columns(small_set), [b.labels.category for b in small_set]
    broken = shutil.copytree(base_dir, tmp_path / "no-tokenizer")
    (broken / "vocab.txt").unlink()  # Hugging Face would otherwise build an empty vocabulary
    with pytest.raises(ModelError) as info:
        TransformerClassifier(str(broken)).fit(X, y)
    assert info.value.code == "base_model_no_tokenizer"
    unknown = shutil.copytree(base_dir, tmp_path / "unknown")
    (unknown / "config.json").write_text(json.dumps({"model_type": "no_such_architecture"}), encoding="utf-8")
    with pytest.raises(ModelError) as info:
        TransformerClassifier(str(unknown)).fit(X, y)
    assert info.value.code == "base_model_invalid" and "\n" not in info.value.message
    english = shutil.copytree(base_dir, tmp_path / "english")
    (english / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nof\n", encoding="utf-8")
    with pytest.raises(ModelError) as info:
        TransformerClassifier(str(english), max_steps=1).fit(X, y)
    assert info.value.code == "base_model_vocabulary" and "100%" in info.value.message


def test_briefs_score_with_a_transformer_model(transformer_dir, tmp_path):
    from cli.main import app

    output = tmp_path / "reviews.jsonl"
    heldout = ROOT / "data_samples" / "heldout.jsonl"
    result = CliRunner().invoke(app, ["score", str(heldout), "-o", str(output), "--model", str(transformer_dir)])
    assert result.exit_code == 0, result.output
    reviews = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    ids = [json.loads(line)["id"] for line in heldout.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in reviews] == ids
    for r in reviews:
        assert r["category"] in CATEGORIES and r["model_version"].startswith("transformer-")
        assert abs(sum(r["category_scores"].values()) - 1.0) < 1e-3  # scores are written to 4 decimals
        assert r["category_scores"][r["category"]] == max(r["category_scores"].values())
        assert 0.0 <= r["adoption"]["probability"] <= 1.0


def test_briefs_score_with_a_transformer_model_as_a_user_runs_it(transformer_dir, tmp_path):
    """`briefs score FILE --model DIR` in a fresh process: all cores as workers, torch's own thread
    count. Forking after torch started its threads once left the workers waiting forever."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    heldout = ROOT / "data_samples" / "heldout.jsonl"
    output = tmp_path / "reviews.jsonl"
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    briefs = Path(sys.executable).with_name("briefs")
    run = subprocess.run([str(briefs), "score", str(heldout), "-o", str(output), "--model", str(transformer_dir)],
                         env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    ids = [json.loads(line)["id"] for line in heldout.read_text(encoding="utf-8").splitlines()]
    assert [json.loads(line)["id"] for line in output.read_text(encoding="utf-8").splitlines()] == ids


def test_briefs_check_with_a_transformer_model_from_the_environment(transformer_dir, tmp_path, monkeypatch):
    from cli.main import app

    monkeypatch.setenv("BRIEFS_MODEL_DIR", str(transformer_dir))
    monkeypatch.delenv("BRIEFS_CONFIG", raising=False)
    draft = tmp_path / "draft.txt"
    title, body = "关于加快农村公路危桥改造的建议", "建议县交通运输局统筹资金,优先改造通学线路上的危桥。"
    draft.write_text(f"{title}\n{body}", encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(draft), "--json", "--submitted-at", "2026-03-05T10:00:00"])
    assert result.exit_code == 0, result.output
    review = json.loads(result.output)
    meta = json.loads((transformer_dir / "meta.json").read_text(encoding="utf-8"))
    assert review["category"] in CATEGORIES and review["model_version"] == meta["version"]
    model = load_model(transformer_dir)
    expected, _ = model.predict_proba(np.array([[title, body]], dtype=object))
    assert review["category"] == CATEGORIES[int(np.argmax(expected[0]))]


def test_transformer_options_are_checked(tmp_path, base_dir):
    from cli.main import app

    runner = CliRunner()
    result = runner.invoke(app, ["train", str(SAMPLES), "-o", str(tmp_path / "m"), "--backend", "transformer"])
    assert result.exit_code == 2 and "--base-model" in result.output
    result = runner.invoke(app, ["train", str(SAMPLES), "-o", str(tmp_path / "m"), "--backend", "transformer",
                                 "--base-model", str(base_dir), "--combine", "1.5"])
    assert result.exit_code == 2 and "invalid_option" in result.output
    assert not (tmp_path / "m").exists()
