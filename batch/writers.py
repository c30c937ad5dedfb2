"""Writing and reading a batch run's output: JSONL, CSV (cells neutralised) or Parquet."""

from __future__ import annotations

import csv
import json
import os
import uuid
from itertools import islice
from pathlib import Path
from typing import Iterator

import orjson

from batch.stages import JSONL
from review.cells import safe_cell
from review.errors import BriefError

OUTPUT_FORMATS = (".jsonl", ".csv", ".parquet")


FLAT_COLUMNS = ("id", "unit", "category", "urgent", "urgent_probability", "priority", "adoption_probability",
                "expected_points", "flags", "duplicates", "event_time", "model_version", "error_code",
                "error_message", "line", "review")


def output_format(output: Path) -> str:
    """The output's format from its extension (JSONL, CSV or Parquet)."""
    suffix = Path(output).suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".parquet"):
        return suffix[1:]
    raise BriefError(f"不支持的输出类型 {suffix},请使用 .jsonl、.csv 或 .parquet", code="unsupported_format")


def event_until(event) -> str | None:
    """The flat `event_time` column: the end of the event's interval (older journals hold it as a string)."""
    return event.get("until") if isinstance(event, dict) else event


def flat_row(line: dict) -> dict:
    """One output line as a flat row for CSV and Parquet; `review` holds the whole JSON."""
    if "error" in line:
        return {"id": line.get("id"), "unit": None, "category": None, "urgent": None, "urgent_probability": None,
                "priority": None, "adoption_probability": None, "expected_points": None, "flags": None,
                "duplicates": None, "event_time": None, "model_version": None,
                "error_code": line["error"]["code"], "error_message": line["error"]["message"],
                "line": line.get("line"), "review": json.dumps(line, ensure_ascii=False)}
    return {"id": line["id"], "unit": line.get("unit"), "category": line["category"], "urgent": line["urgent"],
            "urgent_probability": line.get("urgent_probability"), "priority": line["priority"],
            "adoption_probability": line["adoption"]["probability"],
            "expected_points": line["adoption"]["expected_points"],
            "flags": ";".join(f["code"] for f in line["flags"]),
            "duplicates": ";".join(f"{d['id']}:{d['similarity']:.2f}" for d in line["duplicates"]),
            "event_time": event_until(line.get("event_time")), "model_version": line.get("model_version"),
            "error_code": None, "error_message": None, "line": None, "review": json.dumps(line, ensure_ascii=False)}


def _with_clusters(lines: Iterator[dict], clusters: dict[str, str]) -> Iterator[dict]:
    """Each review with its `cluster_id`, known only once later briefs joined (None: alone)."""
    for line in lines:
        if "error" not in line:
            line["cluster_id"] = clusters.get(line["id"])
        yield line


def write_output(journal: Path, output: Path, fmt: str, clusters: dict[str, str] | None = None) -> None:
    """The journal (JSONL) into the output's format, with the cluster ids, atomically: a temp file
    renamed into place."""
    tmp = output.with_name(f".{output.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with journal.open("rb") as src:
            lines = _with_clusters((orjson.loads(raw) for raw in src), clusters or {})
            if fmt == "jsonl":
                with tmp.open("wb") as fh:
                    for line in lines:
                        fh.write(orjson.dumps(line, option=JSONL))
            elif fmt == "csv":
                with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
                    writer = csv.DictWriter(fh, fieldnames=FLAT_COLUMNS)
                    writer.writeheader()
                    for line in lines:
                        writer.writerow({k: safe_cell(v) for k, v in flat_row(line).items()})
            else:
                _write_parquet(lines, tmp)
        os.replace(tmp, output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_parquet(lines: Iterator[dict], path: Path) -> None:
    import pyarrow as pa  # only for Parquet output: heavy to import on every run
    import pyarrow.parquet as pq

    schema = pa.schema([("id", pa.string()), ("unit", pa.string()), ("category", pa.string()),
                        ("urgent", pa.bool_()), ("urgent_probability", pa.float64()), ("priority", pa.float64()),
                        ("adoption_probability", pa.float64()), ("expected_points", pa.float64()),
                        ("flags", pa.string()), ("duplicates", pa.string()), ("event_time", pa.string()),
                        ("model_version", pa.string()), ("error_code", pa.string()), ("error_message", pa.string()),
                        ("line", pa.int64()), ("review", pa.string())])
    with pq.ParquetWriter(path, schema) as writer:
        while True:
            rows = [flat_row(line) for line in islice(lines, 8192)]
            if not rows:
                break
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))


def read_output(path: Path) -> Iterator[dict]:
    """The review dicts of a finished output file, in any of the output formats (for tests and tools)."""
    fmt = output_format(path)
    if fmt == "jsonl":
        with Path(path).open(encoding="utf-8") as fh:
            for raw in fh:
                yield json.loads(raw)
    elif fmt == "csv":
        with Path(path).open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                yield json.loads(row["review"])
    else:
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(columns=["review"]):
            for value in batch.column(0).to_pylist():
                yield json.loads(value)
