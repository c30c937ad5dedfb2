"""Training the transformer backend: a local Hugging Face checkpoint fine-tuned for the category.

The model directory it makes is a complete default model (trained by `train_model`, or
one passed in) whose category probabilities come from the fine-tuned transformer,
optionally averaged with the TF-IDF classifier's. Urgency, the "same event" vectors and
the adoption models are the default model's: the adoption models learn from out-of-fold
category probabilities, and producing those with a transformer would mean fine-tuning it
once per fold.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Callable, Sequence

from models.bundle import BriefModel
from models.store import file_sha256
from models.transformer import TransformerClassifier, check_base_model, resolve_device
from review import clock
from review.brief import Brief
from review.config import ReviewConfig
from review.errors import BriefError
from training.train import DEFAULT_PARAMS, _augmented, _require_labels, data_hash, train_model

TRANSFORMER_DEFAULTS = {"max_length": 256, "batch_size": 16, "epochs": 3, "max_steps": None,
                        "learning_rate": 5e-5, "weight_decay": 0.01, "warmup_ratio": 0.1, "device": "auto"}


def base_model_digest(path: Path) -> str:
    """sha256 over the base checkpoint's safetensors files, so a model names the exact weights it started from."""
    digest = hashlib.sha256()
    for file in sorted(path.glob("*.safetensors")):
        digest.update(f"{file.name}:{file_sha256(file)}\n".encode())
    return digest.hexdigest()


def train_transformer_model(briefs: Sequence[Brief], *, base_model: str | Path, config: ReviewConfig | None = None,
                            params: dict | None = None, transformer_params: dict | None = None,
                            combine: float = 0.0, seed: int = 0, linear: BriefModel | None = None,
                            progress: Callable[[str], None] | None = None,
                            callback: Callable[[int, int, float], None] | None = None,
                            version: str | None = None, parent: str | None = None) -> BriefModel:
    """Fine-tune `base_model` on labelled briefs; the other parts from `linear` or a fresh `train_model`.

    `combine` is the weight of the TF-IDF classifier when its category probabilities are
    averaged with the transformer's (0: the transformer alone, 1: the default model alone).
    `callback(step, total, loss)` follows the fine-tuning step by step.
    """
    if not 0.0 <= combine <= 1.0:
        raise BriefError(f"--combine 应在 0 到 1 之间(现为 {combine})", code="invalid_option")
    base = check_base_model(base_model)
    tparams = {**TRANSFORMER_DEFAULTS, **(transformer_params or {})}
    unknown = sorted(set(tparams) - set(TRANSFORMER_DEFAULTS))
    if unknown:
        raise BriefError(f"未知的 transformer 参数 {unknown[0]}", code="invalid_option")
    briefs = list(briefs)
    _require_labels(briefs)
    params = {**DEFAULT_PARAMS, **(params or {})}
    if linear is None:
        linear = train_model(briefs, config=config, params=params, seed=seed, progress=progress)
    X, y, _, weight = _augmented(briefs, params)
    if progress:
        progress(f"微调 transformer 类别模型({base.name},设备 {resolve_device(tparams['device'])},"
                 f"{len(y)} 条训练样本)")
    classifier = TransformerClassifier(str(base), seed=seed, **tparams)
    classifier.fit(X, y, sample_weight=weight, callback=callback)
    digest = data_hash(briefs)
    created = clock.now()
    loss = classifier.loss_curve_
    meta = {
        **linear.meta,
        "version": version or f"transformer-{created:%Y%m%d%H%M%S}-{digest[:8]}",
        "parent": parent,
        "backend": "transformer",
        "created_at": created.isoformat(timespec="seconds"),
        "training_data_hash": digest,
        "training_size": len(briefs),
        "label_counts": dict(Counter(b.labels.category for b in briefs)),
        "adoption_counts": dict(Counter(b.labels.adoption.level if b.labels.adoption else "none" for b in briefs)),
        "params": params,
        "combine": float(combine),
        "transformer": {
            "params": {k: v for k, v in tparams.items()},
            "base_model": {"path": str(base.resolve()), "weights_sha256": base_model_digest(base)},
            "linear_parts": linear.version,
            "device": classifier.device_,
            "steps": classifier.n_steps_,
            "loss_first": loss[0] if loss else None,
            "loss_last": loss[-1] if loss else None,
        },
        "metrics": {},
    }
    return BriefModel(featurizer=linear.featurizer, category=linear.category, urgent=linear.urgent,
                      adoption=linear.adoption, instruction=linear.instruction, transformer=classifier, meta=meta)
