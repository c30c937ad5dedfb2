"""A two-stage ("hurdle") classifier for outcomes that are mostly "none".

P(level) = P(not none) * P(level | not none). Adoption is "none" for most briefs and
the higher levels are rare; fitting whether a brief is adopted on all data and which
level on the adopted ones only keeps the rare levels from being drowned.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data


class HurdleClassifier(ClassifierMixin, BaseEstimator):
    """Binary "any" model, then a multinomial model over the non-zero labels.

    `class_weight` ("balanced" or a dict over the original labels) becomes sample weights
    for both stages.
    """

    def __init__(self, *, zero_label="none", C=1.0, level_C=0.3, class_weight=None):
        self.zero_label = zero_label
        self.C = C
        self.level_C = level_C
        self.class_weight = class_weight

    def fit(self, X, y, sample_weight=None):
        X, y = validate_data(self, X, y)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        sample_weight = _check_sample_weight(sample_weight, X)
        if self.class_weight is not None:
            sample_weight = sample_weight * compute_sample_weight(self.class_weight, y)
        positive = y != self.zero_label
        self.has_zero_ = bool((~positive).any())
        if self.has_zero_ and positive.any():
            self.any_ = make_pipeline(StandardScaler(), LogisticRegression(C=self.C, max_iter=2000))
            self.any_.fit(X, positive, standardscaler__sample_weight=sample_weight,
                          logisticregression__sample_weight=sample_weight)
        else:
            self.any_ = None
        levels = np.unique(y[positive])
        self.levels_ = levels
        if len(levels) >= 2:
            weight = sample_weight[positive]
            self.level_ = make_pipeline(StandardScaler(), LogisticRegression(C=self.level_C, max_iter=2000))
            self.level_.fit(X[positive], y[positive], standardscaler__sample_weight=weight,
                            logisticregression__sample_weight=weight)
        else:
            self.level_ = None
        return self

    def predict_proba(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        n = X.shape[0]
        if self.any_ is not None:
            p_any = self.any_.predict_proba(X)[:, list(self.any_.classes_).index(True)]
        else:
            p_any = np.full(n, 0.0 if self.has_zero_ else 1.0)
        out = np.zeros((n, len(self.classes_)))
        index = {label: i for i, label in enumerate(self.classes_)}
        if self.has_zero_:
            out[:, index[self.zero_label]] = 1.0 - p_any
        if self.level_ is not None:
            cond = self.level_.predict_proba(X)
            for j, label in enumerate(self.level_.classes_):
                out[:, index[label]] = p_any * cond[:, j]
        elif len(self.levels_) == 1:
            out[:, index[self.levels_[0]]] = p_any
        return out

    def predict(self, X):
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
