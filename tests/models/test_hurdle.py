"""The hurdle classifier is a proper scikit-learn estimator and models rare levels sensibly."""

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from models.hurdle import HurdleClassifier


# Every check of scikit-learn's suite but the array-API one, which needs a second array
# library (array-api-strict) and SCIPY_ARRAY_API set before SciPy is imported; the
# estimator converts input with NumPy and makes no array-API claim.
_ALL = parametrize_with_checks([HurdleClassifier()])
_KEEP = [i for i, (_, check) in enumerate(_ALL.args[1]) if "check_array_api_input" not in str(check)]


@pytest.mark.parametrize(_ALL.args[0], [_ALL.args[1][i] for i in _KEEP], ids=_ALL.kwargs["ids"])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_probabilities_factor_into_any_times_level():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    # adoption driven by feature 0; level (city vs county) driven by feature 1
    adopted = X[:, 0] > 0.8
    y = np.where(adopted, np.where(X[:, 1] > 0, "city", "county"), "none")
    model = HurdleClassifier(C=10, level_C=10).fit(X, y)
    probs = model.predict_proba(X)
    assert list(model.classes_) == ["city", "county", "none"]
    assert np.allclose(probs.sum(axis=1), 1.0)
    none = probs[:, 2]
    assert none[X[:, 0] > 1.5].mean() < 0.2 < 0.8 < none[X[:, 0] < 0].mean()
    high = X[:, 0] > 1.5
    assert (probs[high & (X[:, 1] > 1), 0] > probs[high & (X[:, 1] > 1), 1]).all()


def test_single_positive_level_and_all_none():
    X = np.arange(20, dtype=float).reshape(-1, 1)
    y = np.array(["none"] * 15 + ["city"] * 5)
    probs = HurdleClassifier().fit(X, y).predict_proba(X)
    assert probs.shape == (20, 2) and np.allclose(probs.sum(axis=1), 1)
    only_none = HurdleClassifier().fit(X, np.array(["none"] * 20))
    assert np.allclose(only_none.predict_proba(X), 1.0)
