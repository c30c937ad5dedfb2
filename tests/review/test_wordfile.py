"""Word drafts: text read from a normal file; hostile files refused in words, in bounded memory."""

from __future__ import annotations

import tracemalloc

import pytest

from review.errors import RecordError
from review.wordfile import MAX_ENTRIES, read_docx_text
from tests.docx_files import ENTITY_BOMB, document_xml, docx, zip_bomb


def test_paragraphs_are_read_in_order_without_blank_lines():
    data = docx(document_xml(["关于秋冬季森林防火的情况报告", "", "  全县共排查火灾隐患23处。  "]))
    assert read_docx_text(data) == "关于秋冬季森林防火的情况报告\n全县共排查火灾隐患23处。"


def test_a_zip_bomb_is_refused_before_parsing_in_bounded_memory():
    bomb = zip_bomb(600)
    assert len(bomb) < 2_000_000  # a small upload…
    tracemalloc.start()
    try:
        with pytest.raises(RecordError) as info:
            read_docx_text(bomb, "汇报.docx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.code == "docx_too_large" and "汇报.docx" in str(info.value)
    assert peak < 20 * 1024 * 1024, peak  # …that would expand to 600 MB is counted, never held


@pytest.mark.parametrize("document, why", [
    ("<w:document><w:body><w:p>", "truncated XML"),
    (document_xml(["正文"]).replace("</w:body>", "</w:bdy>"), "mismatched tag"),
    (b"\xff\xfe\x00<\x00x\x00", "not XML at all"),
])
def test_malformed_xml_is_an_invalid_docx(document, why):
    with pytest.raises(RecordError) as info:
        read_docx_text(docx(document))
    assert info.value.code == "invalid_docx", why


def test_a_huge_text_node_is_refused():
    with pytest.raises(RecordError) as info:
        read_docx_text(docx(document_xml(["字" * (12 * 1024 * 1024 // 3)])))
    assert info.value.code == "docx_too_large"


def test_an_entity_bomb_is_refused_without_expanding_it():
    tracemalloc.start()
    try:
        with pytest.raises(RecordError) as info:
            read_docx_text(docx(document_xml(["开头", "&i;"], prolog=ENTITY_BOMB)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.code == "invalid_docx"  # python-docx's parser does not resolve entities
    assert peak < 5 * 1024 * 1024, peak  # 10^9 characters were never built


def test_an_archive_of_thousands_of_entries_is_refused():
    parts = {f"word/media/{i}.bin": b"" for i in range(MAX_ENTRIES + 1)}
    with pytest.raises(RecordError) as info:
        read_docx_text(docx(document_xml(["正文"]), parts))
    assert info.value.code == "docx_too_large"


def test_a_file_that_is_not_a_zip_is_an_invalid_docx():
    with pytest.raises(RecordError) as info:
        read_docx_text(b"PK\x03\x04 not really a zip")
    assert info.value.code == "invalid_docx"
