"""Reading and validating brief records: every problem names the record and field."""

import json

import pytest

from review.errors import RecordError
from review.readers import iter_records, load_briefs
from review.records import parse_record, read_draft

GOOD = {"id": "b-1", "unit": "清河县应急管理局", "title": "标题", "body": "正文", "submitted_at": "2026-03-05T10:30:00"}


def test_naive_time_means_shanghai_and_offsets_are_converted():
    b = parse_record(GOOD)
    assert b.submitted_at.utcoffset().total_seconds() == 8 * 3600 and b.submitted_at.hour == 10
    b = parse_record({**GOOD, "submitted_at": "2026-03-05T02:30:00Z"})
    assert b.submitted_at.hour == 10


@pytest.mark.parametrize("change,field,code", [
    ({"id": None}, "id", "missing_field"),
    ({"unit": ""}, "unit", "missing_field"),
    ({"title": 5}, "title", "invalid_type"),
    ({"title": "", "body": ""}, "body", "empty_brief"),
    ({"submitted_at": "2026-13-40"}, "submitted_at", "invalid_date"),
    ({"submitted_at": 20260305}, "submitted_at", "invalid_type"),
    ({"submitted_at": None}, "submitted_at", "missing_field"),
    ({"event_at": "昨天"}, "event_at", "invalid_date"),
    ({"categories": ["news"]}, "categories", "invalid_value"),
    ({"categories": ["problem"], "urgent": "yes"}, "urgent", "invalid_type"),
    ({"categories": ["problem"], "adoption": {"level": "town"}}, "adoption.level", "invalid_value"),
])
def test_bad_fields_are_named(change, field, code):
    with pytest.raises(RecordError) as info:
        parse_record({**GOOD, **change}, line=7)
    err = info.value
    assert (err.field, err.code, err.line) == (field, code, 7)
    assert "第7行" in str(err)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err.message)  # a Chinese message


def test_jsonl_reader_yields_errors_in_place_and_goes_on(tmp_path):
    lines = [json.dumps(GOOD, ensure_ascii=False), "{not json", json.dumps({**GOOD, "id": "b-2", "unit": 3}),
             "", json.dumps({**GOOD, "id": "b-3"})]
    path = tmp_path / "briefs.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    items = list(iter_records(path))
    assert [type(i).__name__ for i in items] == ["Brief", "RecordError", "RecordError", "Brief"]
    assert items[1].code == "invalid_json" and items[1].line == 2
    assert items[2].record_id == "b-2" and items[2].field == "unit"
    assert items[3].id == "b-3"


def test_csv_reader_reads_labels_and_flags_bad_rows(tmp_path):
    text = ("id,unit,title,body,submitted_at,categories,urgent,adoption_level,instruction\n"
            "c1,某县,标题一,正文一,2026-03-01T09:00:00,problem;proposal,false,city,none\n"
            "c2,某县,标题二,正文二,not-a-date,routine,false,none,none\n")
    path = tmp_path / "briefs.csv"
    path.write_text(text, encoding="utf-8")
    items = list(iter_records(path))
    assert items[0].labels.categories == ("problem", "proposal") and items[0].labels.adoption.level == "city"
    assert isinstance(items[1], RecordError) and items[1].line == 3 and items[1].field == "submitted_at"


def test_non_utf8_file_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "gbk.jsonl"
    path.write_bytes(json.dumps(GOOD, ensure_ascii=False).encode("gbk"))
    (item,) = list(iter_records(path))
    assert isinstance(item, RecordError) and item.code == "invalid_encoding" and item.line == 1
    with pytest.raises(RecordError) as info:
        load_briefs(path)
    assert info.value.code == "invalid_encoding" and "UTF-8" in info.value.message


def test_unsupported_and_missing_files(tmp_path):
    with pytest.raises(RecordError) as info:
        list(iter_records(tmp_path / "none.jsonl"))
    assert info.value.code == "file_not_found"
    (tmp_path / "a.xls").write_bytes(b"x")
    with pytest.raises(RecordError) as info:
        list(iter_records(tmp_path / "a.xls"))
    assert info.value.code == "unsupported_format"


def test_txt_draft_first_line_is_title(tmp_path):
    path = tmp_path / "draft.txt"
    path.write_text("\n我县出现小麦条锈病\n\n4月2日,在柳集镇发现病叶。\n请关注。\n", encoding="utf-8")
    b = read_draft(path, unit="清河县农业农村局")
    assert b.title == "我县出现小麦条锈病" and b.body == "4月2日,在柳集镇发现病叶。\n请关注。"


def test_docx_draft(tmp_path):
    from docx import Document

    doc = Document()
    doc.add_paragraph("关于规范农村土地流转的建议")
    doc.add_paragraph("近年来,我县土地流转面积扩大。")
    doc.add_paragraph("为此建议统一合同文本。")
    path = tmp_path / "draft.docx"
    doc.save(path)
    b = read_draft(path)
    assert b.title == "关于规范农村土地流转的建议" and b.body.endswith("为此建议统一合同文本。")


@pytest.mark.parametrize("name,data,code", [("a.txt", b"", "empty_brief"), ("a.txt", b"  \n ", "empty_brief"),
                                            ("a.docx", b"not a zip", "invalid_docx"),
                                            ("a.txt", "标题".encode("gbk"), "invalid_encoding"),
                                            ("a.json", b"{bad", "invalid_json")])
def test_bad_drafts(tmp_path, name, data, code):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(RecordError) as info:
        read_draft(path)
    assert info.value.code == code
