"""Where a model is looked up: a directory given, $BRIEFS_MODEL_DIR, the registry's champion, or
the default model prepared at set-up."""

from __future__ import annotations

import os

from models.bundle import MODEL_DIR_ENV, BriefModel, default_model_dir
from models.registry import ModelRegistry


def load_model(path: str | os.PathLike | None = None) -> BriefModel:
    """The model at `path`, else $BRIEFS_MODEL_DIR, else the registry's champion, else the
    default model prepared at set-up."""
    if path is None and not os.environ.get(MODEL_DIR_ENV):
        registry = ModelRegistry()
        if registry.champion() is not None:
            return registry.load_champion()
    if path is None:
        path = os.environ.get(MODEL_DIR_ENV) or default_model_dir()
    return BriefModel.load(path)
