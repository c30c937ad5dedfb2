"""Near-duplicate search: copies with edits and swapped names, earlier briefs only."""

from datetime import datetime, timedelta

import pytest

from sklearn.feature_extraction.text import TfidfVectorizer

from review.brief import SHANGHAI, Brief
from review.duplicates import DuplicateIndex, find_duplicates
from review.shingles import _KEEP, _NUMBER, _PLACE, mask_places, normalise, normalised_codes

T0 = datetime(2026, 4, 1, 9, 0, tzinfo=SHANGHAI)

ORIGINAL = ("清河县柳集镇针对农村留守老人吃饭难问题,在12个行政村开办“幸福食堂”,由村集体提供场地,镇财政按每人每餐2元补助,"
            "老人每餐只需交3元。食堂由村里的低收入妇女掌勺,既解决了老人吃饭问题,又为38名妇女提供了就近就业岗位。"
            "截至3月底,全镇幸福食堂累计服务老人4.6万人次,老人家属满意率达到97%。下一步,镇里计划把食堂与卫生室结合,"
            "为老人提供量血压、测血糖等服务。")
SWAPPED = (ORIGINAL.replace("清河县柳集镇", "安平县河口镇").replace("12个", "9个").replace("38名", "27名")
           .replace("4.6万", "3.1万").replace("97%", "95%").replace("镇里计划", "镇党委计划"))
UNRELATED = ("3月28日,石桥区消防救援大队对辖区23家大型商业综合体开展消防安全检查,发现疏散通道堵塞、消防设施故障等隐患"
             "56处,已督促整改41处,对拒不整改的2家单位依法实施临时查封。检查发现,部分商场电动自行车违规充电问题突出。")


def brief(bid, unit, body, when, title=""):
    return Brief(id=bid, unit=unit, title=title, body=body, submitted_at=when)


def test_normalise_masks_names_and_figures():
    assert normalise("清河县柳集镇12个村,占97.5%。") == normalise("安平县河口镇9个村,占95%。")


def _awkward_texts(sample_briefs):
    """Sample texts, and random runs of suffixes, names, digits, punctuation and characters outside the BMP."""
    import random

    rnd = random.Random(5)
    alphabet = list("街道社区省市县区镇乡村东河的") + ["12", "３.５", "二十", "，", " ", "\n", "a", "_", "😀", "𠮷", "\ud800"]
    return [b.text for b in sample_briefs] + ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 16)))
                                              for _ in range(20000)]


def test_place_masking_and_batch_normalising_equal_their_regex_definitions(sample_briefs):
    texts = _awkward_texts(sample_briefs)
    for text in texts:  # the suffix-first masking is the lazy regex's substitution
        assert mask_places(text) == _PLACE.sub("〇", text), text
    codes, lengths = normalised_codes(texts)
    assert len(lengths) == len(texts) and int(lengths.sum()) == len(codes)
    start = 0
    for text, length in zip(texts, lengths.tolist()):
        got = "".join(map(chr, codes[start:start + length].tolist()))
        assert got == normalise(text) == "".join(_KEEP.findall(_NUMBER.sub("0", _PLACE.sub("〇", text)))), text
        start += length


def test_copy_with_swapped_names_and_figures_is_found(config):
    a = brief("a", "清河县柳集镇", ORIGINAL, T0)
    b = brief("b", "安平县河口镇", SWAPPED, T0 + timedelta(days=40))
    c = brief("c", "石桥区消防救援大队", UNRELATED, T0 + timedelta(days=41))
    found = find_duplicates([a, b, c], config=config)
    assert found[0] == [] and found[2] == []
    (match,) = found[1]
    assert (match.id, match.unit, match.kind) == ("a", "清河县柳集镇", "copy")
    assert match.similarity >= 0.8


def test_only_earlier_briefs_count_whatever_the_input_order(config):
    later = brief("late", "安平县河口镇", SWAPPED, T0 + timedelta(days=3))
    earlier = brief("early", "清河县柳集镇", ORIGINAL, T0)
    found = find_duplicates([later, earlier], config=config)
    assert [m.id for m in found[0]] == ["early"] and found[1] == []


def test_same_time_ties_go_to_input_order(config):
    a = brief("a", "u1", ORIGINAL, T0)
    b = brief("b", "u2", ORIGINAL, T0)
    found = find_duplicates([a, b], config=config)
    assert found[0] == [] and [m.id for m in found[1]] == ["a"]


def test_archive_is_searched_and_the_same_record_is_not_its_own_duplicate(config):
    archived = brief("a", "清河县柳集镇", ORIGINAL, T0)
    again = brief("a", "清河县柳集镇", ORIGINAL, T0 + timedelta(days=1))
    new = brief("n", "安平县河口镇", SWAPPED, T0 + timedelta(days=2))
    found = find_duplicates([again, new], config=config, archive=[archived])
    assert found[0] == [] and [m.id for m in found[1]] == ["a"]


def test_short_texts_are_not_compared(config):
    index = DuplicateIndex.from_config(config)
    assert index.fingerprint("很短的一句话。") is None
    assert index.add("x", "u", T0, "很短的一句话。") == -1 and len(index) == 0


def test_same_event_in_other_words_needs_embed_and_a_short_window(config, sample_briefs):
    fire_a = ("4月1日14时20分许,石桥区东环路一物流仓库发生火灾,区消防救援大队出动8车40人扑救,15时10分明火扑灭,"
              "过火面积约300平方米,1名仓库保管员轻微烧伤送医,无生命危险。起火原因正在调查。")
    fire_b = ("4月1日14时20分左右,辖区东环路一物流仓库起火。接报后,街道办第一时间组织人员赶赴现场,配合消防救援大队扑救,"
              "15时10分明火被扑灭。火灾过火面积约300平方米,仓库1名保管员轻微烧伤,已送医治疗,无生命危险。"
              "街道已组织排查园区其他仓库消防隐患。")
    # document frequencies from a real corpus, as the model's vectorizer has them
    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 4), sublinear_tf=True).fit(
        [b.text for b in sample_briefs])

    def embed(briefs):
        return vec.transform([b.text for b in briefs])

    a = brief("a", "石桥区消防救援大队", fire_a, T0)
    b = brief("b", "石桥区东环街道办事处", fire_b, T0 + timedelta(hours=3))
    b_late = brief("b2", "石桥区东环街道办事处", fire_b, T0 + timedelta(days=30))
    assert find_duplicates([a, b], config=config)[1] == []  # different words: no 5-gram copy
    (match,) = find_duplicates([a, b], config=config, embed=embed)[1]
    assert (match.id, match.kind) == ("a", "same_event") and match.similarity >= 0.4
    assert find_duplicates([a, b_late], config=config, embed=embed)[1] == []  # outside the 7-day window


def test_labelled_copies_in_the_samples_are_found_and_little_else(config, sample_briefs, sample_records):
    order = sorted(sample_briefs, key=lambda b: b.submitted_at)
    found = dict(zip([b.id for b in order], find_duplicates(order, config=config)))
    copies = {i: r["duplicate_of"] for i, r in sample_records.items()
              if r.get("duplicate_kind") in ("resubmission", "copied_swapped")}
    assert len(copies) >= 12
    for bid, original in copies.items():
        assert original in [m.id for m in found[bid]], bid
    labelled = set(copies) | {i for i, r in sample_records.items() if r.get("duplicate_of")}
    unexpected = [bid for bid, matches in found.items() if matches and bid not in labelled]
    assert len(unexpected) <= len(sample_briefs) * 0.01, unexpected


def test_persistent_index_reopens_and_drops_what_was_not_committed(config, sample_briefs, tmp_path):
    from review.errors import ConfigError

    path = tmp_path / "index"
    index = DuplicateIndex.open(path, config)
    for b in sample_briefs[:300]:
        index.add(b.id, b.unit, b.submitted_at, b.text)
    index.commit({"done": 300})
    committed = len(index)
    for b in sample_briefs[300:]:
        index.add(b.id, b.unit, b.submitted_at, b.text)
    index.close()  # as if killed: the second batch was never committed
    reopened = DuplicateIndex.open(path, config)
    assert len(reopened) == committed and reopened.checkpoint == {"done": 300}
    for b in sample_briefs[300:]:
        reopened.add(b.id, b.unit, b.submitted_at, b.text)
    reopened.commit()
    memory = DuplicateIndex.from_config(config)
    for b in sample_briefs:
        memory.add(b.id, b.unit, b.submitted_at, b.text)
    later = T0 + timedelta(days=3650)
    for b in sample_briefs:
        assert (reopened.query(b.text, submitted_at=later, threshold=0.4, brief_id=b.id)
                == memory.query(b.text, submitted_at=later, threshold=0.4, brief_id=b.id))
    # The similarity reported is the exact Jaccard of the normalised 5-gram sets.
    a, b = ORIGINAL, SWAPPED
    grams = [{normalise(t)[i:i + 5] for i in range(len(normalise(t)) - 4)} for t in (a, b)]
    reopened.add("orig", "u", T0, a)
    (match,) = [m for m in reopened.query(b, submitted_at=T0 + timedelta(days=1), threshold=0.4) if m.id == "orig"]
    assert abs(match.similarity - len(grams[0] & grams[1]) / len(grams[0] | grams[1])) < 1e-9
    reopened.close()
    other = load_config_with(config, {"duplicates": {"bands": 10}})
    with pytest.raises(ConfigError) as info:
        DuplicateIndex.open(path, other)
    assert info.value.code == "index_mismatch"
    (path / "index.json").write_text("{broken", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        DuplicateIndex.open(path, config)
    assert info.value.code == "index_corrupt"


def load_config_with(config, overrides):
    from review.config import DEFAULTS_PATH, load_config

    return load_config(DEFAULTS_PATH, overrides=overrides)


def _edited_copies(sample_briefs):
    """The samples plus edited copies of some of them (names and figures changed, a sentence cut)."""
    out = list(sample_briefs)
    for n, b in enumerate(sample_briefs[:120:3]):
        body = b.body.replace("县", "区").replace("2", "7")
        if n % 2:
            body = body[: len(body) * 3 // 4]
        out.append(Brief(id=f"copy-{n}", unit="另一单位", title=b.title, body=body,
                         submitted_at=b.submitted_at + timedelta(days=n % 5)))
    return out


def test_fingerprints_of_a_batch_equal_one_by_one(config, sample_briefs):
    import numpy as np

    index = DuplicateIndex.from_config(config)
    texts = [b.text for b in sample_briefs] + ["太短", "", "一" * 39, "一" * 40]
    together = index.fingerprints(texts, block=7)
    assert sum(fp is None for fp in together) >= 3  # the short texts are not fingerprinted
    for text, fp in zip(texts, together):
        alone = index.fingerprint(text)
        assert (fp is None) == (alone is None)
        if fp is not None:
            assert np.array_equal(fp.shingles, alone.shingles) and fp.shingles.dtype == alone.shingles.dtype
            assert np.array_equal(fp.bands, alone.bands) and np.array_equal(fp.bits, alone.bits)


def test_batch_add_and_query_equal_one_at_a_time_and_brute_force(config, sample_briefs, monkeypatch):
    import numpy as np

    # A tiny tail forces many sorted runs and merges of runs.
    monkeypatch.setattr(DuplicateIndex, "TAIL_MAX", 16)
    briefs = _edited_copies(sample_briefs)
    one, batch = DuplicateIndex.from_config(config), DuplicateIndex.from_config(config)
    expected = []
    for b in briefs:
        expected.append(one.query(b.text, submitted_at=b.submitted_at, threshold=0.4, seq=len(one), brief_id=b.id))
        one.add(b.id, b.unit, b.submitted_at, b.text)
    got = []
    for start in range(0, len(briefs), 50):
        part = [b for b in briefs[start:start + 50]]
        fps = batch.fingerprints([b.text for b in part])
        keep = [i for i, fp in enumerate(fps) if fp is not None]
        stamps = [part[i].submitted_at.timestamp() for i in keep]
        seqs = np.arange(len(batch), len(batch) + len(keep))
        batch.add_many([part[i].id for i in keep], [part[i].unit for i in keep], stamps, [fps[i] for i in keep])
        found = batch.query_many([fps[i] for i in keep], stamps, threshold=0.4, seqs=seqs, visible=seqs,
                                 brief_ids=[part[i].id for i in keep])
        results = [[] for _ in part]
        for i, matches in zip(keep, found):
            results[i] = matches
        got.extend(results)
    assert len(batch._runs) > 1 and got == expected
    copies = [n for n, b in enumerate(briefs) if b.id.startswith("copy-")]
    assert sum(bool(expected[n]) for n in copies) >= len(copies) * 0.9  # the edited copies are found
    # Every match is an earlier brief at or above the threshold by the exact 5-gram Jaccard.
    order = {b.id: n for n, b in enumerate(briefs)}
    for n, matches in enumerate(expected):
        for m in matches:
            other = briefs[order[m.id]]
            assert other.submitted_at <= briefs[n].submitted_at and order[m.id] < n
            grams = [{normalise(t)[i:i + 5] for i in range(len(normalise(t)) - 4)} for t in (other.text, briefs[n].text)]
            assert abs(m.similarity - len(grams[0] & grams[1]) / len(grams[0] | grams[1])) < 1e-9
            assert m.similarity >= 0.4
