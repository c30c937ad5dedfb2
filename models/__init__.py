"""Trainable models: the brief featurizer, category and urgency classifiers, adoption model.

All are scikit-learn estimators; `BriefModel` bundles them and saves to a directory of
skops files plus `meta.json`, never pickle.
"""

from models.bundle import BriefModel
from models.resolve import load_model

__all__ = ["BriefModel", "load_model"]
