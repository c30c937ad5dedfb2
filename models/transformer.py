"""`TransformerClassifier`: fine-tunes a local Hugging Face checkpoint to classify briefs.

Same interface as the default model's category classifier: `fit(X, y)` on the (n, 2)
[title, body] array, `predict_proba(X)` in `classes_` order. The title and the body go
in as a sentence pair, truncated longest-first to `max_length` tokens, so a long body
is cut before the title is.

Only local directories are read (`local_files_only=True`), only safetensors weights are
accepted (never a pickled `pytorch_model.bin`), and no remote code runs. The fine-tuned
model is written with `save` as `config.json` + `model.safetensors` + the tokenizer's
files; `models.bundle.BriefModel` stores it in a `transformer/` subdirectory of the
model directory and checks every file's sha256 before `load` reads it.
"""

from __future__ import annotations

import math
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from review.errors import BriefError, ModelError

# What `save` writes besides the tokenizer's own files.
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
# A checkpoint's tokenizer is one of these; without any, Hugging Face would quietly build
# an empty vocabulary and every character would be unknown.
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "vocab.json", "tokenizer.model", "spiece.model",
                   "sentencepiece.bpe.model")
# Share of the training text's tokens the vocabulary may not know before we refuse it.
MAX_UNKNOWN_SHARE = 0.3


def resolve_device(device: str = "auto") -> str:
    """"cuda" when a GPU is usable and `device` is "auto", else `device` ("cpu" when auto without a GPU)."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


@contextmanager
def _quiet_transformers():
    """Silence Hugging Face's load reports and progress bars: the CLI reports in Chinese itself."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


def check_base_model(path: str | os.PathLike) -> Path:
    """The base checkpoint directory, if it is one we can read without a download or a pickle."""
    path = Path(path)
    if not (path / CONFIG_FILE).is_file():
        raise ModelError(f"基础模型目录 {path} 不存在或缺少 config.json。请先把 Hugging Face 模型(如 bert-base-chinese)"
                         "完整复制到本机目录,再用 --base-model 指向该目录。", code="base_model_not_found")
    if not any(path.glob("*.safetensors")):
        raise ModelError(f"基础模型目录 {path} 中没有 safetensors 权重文件(model.safetensors)。"
                         "为避免加载 pickle 格式(pytorch_model.bin)可能执行任意代码,只接受 safetensors 权重。",
                         code="base_model_unsafe")
    if not any((path / name).is_file() for name in TOKENIZER_FILES):
        raise ModelError(f"基础模型目录 {path} 中没有分词器文件({'、'.join(TOKENIZER_FILES[:3])} 等)。"
                         "请把模型的分词器文件一并复制过来。", code="base_model_no_tokenizer")
    from transformers import AutoConfig

    with _quiet_transformers():
        try:  # cheap, and catches an unknown architecture before any training starts
            AutoConfig.from_pretrained(path, local_files_only=True)
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"无法读取基础模型 {path}:{_first_line(exc)}", code="base_model_invalid") from None
    return path


def _first_line(exc: Exception) -> str:
    """The first sentence of an exception's message: Hugging Face's go on with advice for developers."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.split(". ")[0][:200]


class TransformerClassifier(ClassifierMixin, BaseEstimator):
    """A sequence classifier fine-tuned from a local Hugging Face checkpoint.

    `base_model` is a directory holding `config.json`, safetensors weights and tokenizer
    files (for example a copy of bert-base-chinese). Training runs `epochs` passes over
    the data, or stops after `max_steps` optimiser steps when that is smaller
    (`max_steps=0` keeps the freshly initialised classification head: an untrained
    baseline). `device="auto"` uses CUDA when available.
    """

    def __init__(self, base_model=None, *, max_length=256, batch_size=16, epochs=3, max_steps=None,
                 learning_rate=5e-5, weight_decay=0.01, warmup_ratio=0.1, seed=0, device="auto"):
        self.base_model = base_model
        self.max_length = max_length
        self.batch_size = batch_size
        self.epochs = epochs
        self.max_steps = max_steps
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.warmup_ratio = warmup_ratio
        self.seed = seed
        self.device = device

    def fit(self, X, y, sample_weight=None, *, callback: Callable[[int, int, float], None] | None = None):
        """Fine-tune on (n, 2) [title, body] rows and their labels; `callback(step, total, loss)` after each step."""
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        if self.base_model is None:
            raise ModelError("没有给出基础模型目录(--base-model)", code="base_model_not_found")
        base = check_base_model(self.base_model)
        X = np.asarray(X, dtype=object)
        y = np.asarray(y)
        weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise BriefError("训练数据至少需要两个类别", code="too_few_labels")
        targets = np.searchsorted(self.classes_, y)
        torch.manual_seed(self.seed)
        self.device_ = resolve_device(self.device)
        with _quiet_transformers():
            try:
                self.tokenizer_ = AutoTokenizer.from_pretrained(base, local_files_only=True)
                self.model_ = AutoModelForSequenceClassification.from_pretrained(
                    base, num_labels=len(self.classes_), local_files_only=True, use_safetensors=True,
                    id2label={i: str(c) for i, c in enumerate(self.classes_)},
                    label2id={str(c): i for i, c in enumerate(self.classes_)},
                    ignore_mismatched_sizes=True)
            except (OSError, ValueError, KeyError) as exc:
                raise ModelError(f"无法读取基础模型 {base}:{_first_line(exc)}", code="base_model_invalid") from None
        if self.tokenizer_.pad_token is None and self.tokenizer_.eos_token is not None:
            # decoder-style checkpoints (GPT-2 and kin) have no padding token; batches need one
            self.tokenizer_.pad_token = self.tokenizer_.eos_token
            self.model_.config.pad_token_id = self.tokenizer_.eos_token_id
        self.model_.to(self.device_)
        encoded = self._encode(X)
        self._check_vocabulary(encoded, base)
        per_epoch = math.ceil(len(y) / self.batch_size)
        total = per_epoch * self.epochs
        if self.max_steps is not None:
            total = min(total, self.max_steps)
        self.n_steps_ = total
        self.loss_curve_ = []
        if total > 0:
            self._train(encoded, targets, weight, total, callback)
        self.model_.eval()
        return self

    def _train(self, encoded, targets, weight, total, callback) -> None:
        import torch
        from transformers import get_linear_schedule_with_warmup

        decay = [p for n, p in self.model_.named_parameters() if not n.endswith("bias") and "LayerNorm" not in n]
        rest = [p for n, p in self.model_.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
        optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": self.weight_decay},
                                       {"params": rest, "weight_decay": 0.0}], lr=self.learning_rate)
        schedule = get_linear_schedule_with_warmup(optimizer, int(total * self.warmup_ratio), total)
        generator = np.random.default_rng(self.seed)
        targets_t = torch.as_tensor(targets, dtype=torch.long)
        weight_t = torch.as_tensor(weight, dtype=torch.float32)
        self.model_.train()
        step = 0
        while step < total:
            order = generator.permutation(len(targets))
            for start in range(0, len(order), self.batch_size):
                idx = order[start:start + self.batch_size]
                batch = self._batch(encoded, idx)
                logits = self.model_(**batch).logits
                losses = torch.nn.functional.cross_entropy(logits, targets_t[idx].to(self.device_), reduction="none")
                w = weight_t[idx].to(self.device_)
                loss = (losses * w).sum() / w.sum()
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.model_.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                step += 1
                self.loss_curve_.append(float(loss.detach()))
                if callback is not None:
                    callback(step, total, self.loss_curve_[-1])
                if step >= total:
                    break

    def _check_vocabulary(self, encoded, base: Path) -> None:
        """Refuse a tokenizer that does not know most of the training text (a vocabulary for another language)."""
        unk = self.tokenizer_.unk_token_id
        if unk is None:
            return
        special = set(self.tokenizer_.all_special_ids) - {unk}
        tokens = [t for ids in encoded["input_ids"] for t in ids if t not in special]
        share = sum(t == unk for t in tokens) / max(len(tokens), 1)
        if share > MAX_UNKNOWN_SHARE:
            raise ModelError(f"基础模型 {base} 的分词器不认识训练文本中 {share:.0%} 的字符,"
                             "请换用中文模型(如 bert-base-chinese)", code="base_model_vocabulary")

    def _encode(self, X) -> dict:
        """Token ids of every row: title and body as a sentence pair, truncated to `max_length`."""
        titles = [str(t or "") for t in X[:, 0]]
        bodies = [str(b or "") for b in X[:, 1]]
        return self.tokenizer_(titles, bodies, truncation="longest_first", max_length=self.max_length_)

    @property
    def max_length_(self) -> int:
        """`max_length`, capped at what the checkpoint's position embeddings and tokenizer allow."""
        limits = [self.max_length, getattr(self.model_.config, "max_position_embeddings", None),
                  getattr(self.tokenizer_, "model_max_length", None)]
        return min(int(n) for n in limits if n is not None and 0 < n < 1_000_000)

    def _batch(self, encoded, idx) -> dict:
        """Rows `idx` of the encoding, padded to the longest of them, on the model's device."""
        rows = [{key: encoded[key][i] for key in encoded} for i in idx]
        padded = self.tokenizer_.pad(rows, return_tensors="pt")
        return {key: value.to(self.device_) for key, value in padded.items()}

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (n, n_classes) in `classes_` order; pure (evaluation mode, no gradients)."""
        import torch

        check_is_fitted(self, "model_")
        X = np.asarray(X, dtype=object).reshape(-1, 2)
        out = np.zeros((len(X), len(self.classes_)))
        if len(X) == 0:
            return out
        encoded = self._encode(X)
        # Batches of similar length waste little on padding; results go back in input order.
        order = np.argsort([len(ids) for ids in encoded["input_ids"]], kind="stable")
        with torch.no_grad():
            for start in range(0, len(order), self.batch_size):
                idx = order[start:start + self.batch_size]
                logits = self.model_(**self._batch(encoded, idx)).logits
                out[idx] = torch.softmax(logits.float(), dim=-1).cpu().numpy()
        return out

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def save(self, path: str | os.PathLike) -> list[str]:
        """Write config, safetensors weights and tokenizer files into `path`; returns the file names."""
        check_is_fitted(self, "model_")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        # the tokenizer's own limit carries the truncation length with the files
        self.tokenizer_.model_max_length = self.max_length_
        with _quiet_transformers():
            self.model_.save_pretrained(path, safe_serialization=True)
            self.tokenizer_.save_pretrained(path)
        return sorted(p.name for p in path.iterdir() if p.is_file())

    @classmethod
    def load(cls, path: str | os.PathLike, params: dict | None = None) -> "TransformerClassifier":
        """Read a directory written by `save` (the caller has checked its files' hashes)."""
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        path = Path(path)
        known = cls().get_params()
        self = cls(**{k: v for k, v in (params or {}).items() if k in known})
        self.device_ = resolve_device(self.device)
        with _quiet_transformers():
            try:
                self.tokenizer_ = AutoTokenizer.from_pretrained(path, local_files_only=True)
                self.model_ = AutoModelForSequenceClassification.from_pretrained(
                    path, local_files_only=True, use_safetensors=True)
            except (OSError, ValueError, KeyError) as exc:
                raise ModelError(f"transformer 模型文件无法读取:{type(exc).__name__}", code="model_corrupt") from None
        id2label = self.model_.config.id2label
        self.classes_ = np.array([id2label[i] for i in range(len(id2label))])
        self.model_.to(self.device_)
        self.model_.eval()
        return self
