"""The NumPy character n-gram TF-IDF gives scikit-learn's matrix exactly."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from models.features import char_tfidf, strip_space


def test_char_tfidf_equals_scikit_learn(sample_briefs):
    texts = [strip_space(f"{b.title} {b.body}") for b in sample_briefs]
    odd = ["", "甲", "AB  Cd ef", "𠀀𠀁字 扩展B区", "  前后空格  ", "数字123和English混排"]
    for ngrams in ((1, 3), (2, 4)):
        vec = TfidfVectorizer(analyzer="char", ngram_range=ngrams, sublinear_tf=True, min_df=2,
                              dtype=np.float32).fit(texts[:400])
        for batch in (texts[400:], odd, texts[:3]):
            expected = vec.transform(batch)
            got = char_tfidf(vec, batch)
            assert got.shape == expected.shape
            assert (got != expected).nnz == 0


def test_model_embed_is_the_feature_block(model, sample_briefs):
    from review.engine import columns

    briefs = sample_briefs[:50]
    probs, urgent, vectors = model.predict_and_embed(columns(briefs))
    expected_probs, expected_urgent = model.predict_proba(columns(briefs))
    assert np.array_equal(probs, expected_probs) and np.array_equal(urgent, expected_urgent)
    assert (vectors != model.embed(briefs)).nnz == 0


def test_vocabulary_saved_as_one_array_loads_back_the_same(sample_briefs, tmp_path):
    import zipfile

    from models.features import CompactTfidfVectorizer
    from models.store import load_estimator, save_estimator

    texts = [strip_space(f"{b.title} {b.body}") for b in sample_briefs]
    compact = CompactTfidfVectorizer(analyzer="char", ngram_range=(2, 4), sublinear_tf=True, min_df=2,
                                     dtype=np.float32).fit(texts[:400])
    plain = TfidfVectorizer(analyzer="char", ngram_range=(2, 4), sublinear_tf=True, min_df=2,
                            dtype=np.float32).fit(texts[:400])
    save_estimator(compact, tmp_path / "compact.skops")
    save_estimator(plain, tmp_path / "plain.skops")  # a model saved before the compact form still loads
    for name in ("compact", "plain"):
        loaded = load_estimator(tmp_path / f"{name}.skops")
        assert loaded.vocabulary_ == plain.vocabulary_
        assert (loaded.transform(texts[400:]) != plain.transform(texts[400:])).nnz == 0
    # The compact file holds the vocabulary as one member, not an entry per term.
    members = [len(zipfile.ZipFile(tmp_path / f"{name}.skops").namelist()) for name in ("compact", "plain")]
    schema = [len(zipfile.ZipFile(tmp_path / f"{name}.skops").read("schema.json")) for name in ("compact", "plain")]
    assert members[0] <= members[1] + 1 and schema[0] * 20 < schema[1]


def test_word_tfidf_equals_scikit_learn(sample_briefs):
    from models.features import title_words, word_tfidf

    titles = [b.title for b in sample_briefs]
    vec = TfidfVectorizer(tokenizer=title_words, token_pattern=None, lowercase=False, sublinear_tf=True, min_df=2,
                          dtype=np.float32).fit(titles[:400])
    odd = ["", "关于关于关于的建议", "ABC abc 123", "𠀀字", "，。！"]
    for batch in (titles[400:], odd, titles[:3]):
        expected = vec.transform(batch)
        got = word_tfidf(vec, batch)
        assert got.shape == expected.shape and got.dtype == expected.dtype
        assert (got != expected).nnz == 0 and got.nnz == expected.nnz


def test_tokenizer_dictionary_is_jiebas_own():
    import marshal

    import jieba

    from models.features import DICT_PATH, _jieba

    ours = _jieba()  # its cache read at once instead of jieba's small reads
    plain = jieba.Tokenizer()
    plain.load_userdict(str(DICT_PATH))
    assert ours.total == plain.total and ours.FREQ == plain.FREQ and len(ours.FREQ) > 300000
    assert jieba.marshal is marshal  # jieba's own module is put back


def test_named_blocks_tile_the_features_in_order(model, sample_briefs):
    from review.engine import columns

    featurizer = model.featurizer
    names = [name for name, _ in featurizer._blocks()]
    slices = [featurizer.block(name) for name in names]
    assert slices[0].start == 0 and slices[-1].stop == featurizer.n_features_out_
    assert all(a.stop == b.start for a, b in zip(slices, slices[1:]))
    X = columns(sample_briefs[:20])
    feats = featurizer.transform(X)
    title = featurizer.block("title_chars")
    expected = featurizer.title_vec_.transform([strip_space(t) for t, _ in X])
    assert (feats[:, title] != expected).nnz == 0
    with pytest.raises(KeyError):
        featurizer.block("no_such_block")
