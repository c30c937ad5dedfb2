"""Text of a Word (.docx) file, read within bounds whatever the upload.

A .docx is a zip archive, so a small upload can expand enormously (a zip bomb), hold
thousands of entries, or carry XML that is malformed or deliberately huge. Before
python-docx parses anything, every entry is decompressed once as a stream and counted:
the declared sizes in the archive are not trusted. Past the bounds below the file is
refused with a Chinese message and a stable code, never parsed.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from review.errors import RecordError

MAX_ENTRIES = 1000  # a brief's .docx has 10–40 parts; a few hundred with many images
MAX_EXPANDED_BYTES = 32 * 1024 * 1024  # all parts together, decompressed
MAX_XML_BYTES = 8 * 1024 * 1024  # any one XML part (a brief's document.xml is tens of KB)
_CHUNK = 64 * 1024


def read_docx_text(data: bytes, name: str = "文件") -> str:
    """The paragraphs of a .docx file as text, one paragraph per line."""
    from docx import Document
    from lxml.etree import LxmlError

    check_zip_bounds(data, name)
    try:
        document = Document(io.BytesIO(data))
        lines = [p.text.strip() for p in document.paragraphs]
    except (zipfile.BadZipFile, KeyError, ValueError, LxmlError, zlib.error, EOFError, NotImplementedError) as exc:
        raise RecordError(f"{name} 不是有效的 Word(.docx)文件", code="invalid_docx") from exc
    return "\n".join(line for line in lines if line)


def check_zip_bounds(data: bytes, name: str, *, what: str = "Word(.docx)文件", code: str = "docx") -> None:
    """Refuse archives with too many entries or too much decompressed content, by counting.

    `what` names the kind of file in the messages and `code` prefixes the error codes
    (`{code}_too_large`, `invalid_{code}`): an .xlsx upload is bounded the same way."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ENTRIES:
                raise RecordError(f"{name} 包含 {len(entries)} 个部件,超过 {MAX_ENTRIES} 个的上限,"
                                  f"不像正常的{what}", code=f"{code}_too_large")
            total = 0
            for entry in entries:
                limit = MAX_XML_BYTES if entry.filename.endswith((".xml", ".rels")) else MAX_EXPANDED_BYTES
                size = 0
                with archive.open(entry) as stream:
                    while chunk := stream.read(_CHUNK):
                        size += len(chunk)
                        total += len(chunk)
                        if size > limit or total > MAX_EXPANDED_BYTES:
                            raise RecordError(
                                f"{name} 解压后超过 {MAX_EXPANDED_BYTES // (1024 * 1024)} MB"
                                f"(单个 XML 部件上限 {MAX_XML_BYTES // (1024 * 1024)} MB),请删去大图片或另存为较小的文件",
                                code=f"{code}_too_large")
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError, OSError) as exc:
        raise RecordError(f"{name} 不是有效的{what}", code=f"invalid_{code}") from exc
