"""The duplicate index's storage: growable columns and byte strings, in memory or in
append-only files, written atomically and checked for damage on opening.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from review.errors import ConfigError


class Column:
    """A growable array of fixed-width rows, in memory, optionally mirrored to an append-only file."""

    def __init__(self, dtype, width: int = 0, file: Path | None = None, count: int = 0, keep: bool = True) -> None:
        self.dtype = np.dtype(dtype)
        self.width = width
        self.keep = keep
        self.data = np.empty((1024, width) if width else (1024,), dtype=self.dtype)
        self.n = 0
        self._fd = None
        self._pending: list[bytes] = []
        if file is not None:
            row = self.dtype.itemsize * max(width, 1)
            self._fd = os.open(file, os.O_RDWR | os.O_CREAT, 0o644)
            if os.fstat(self._fd).st_size < count * row:
                raise damaged(file.parent)
            # Anything written after the last commit was never acknowledged: drop it.
            os.ftruncate(self._fd, count * row)
            os.lseek(self._fd, 0, os.SEEK_END)

    def read_all(self, count: int) -> np.ndarray:
        """The `count` rows stored in the file."""
        raw = os.pread(self._fd, count * self.dtype.itemsize * max(self.width, 1), 0)
        arr = np.frombuffer(raw, dtype=self.dtype)
        return arr.reshape(-1, self.width) if self.width else arr

    def extend(self, rows: np.ndarray, *, write: bool = True) -> None:
        rows = np.asarray(rows, dtype=self.dtype)
        if write and self._fd is not None:
            self._pending.append(np.ascontiguousarray(rows).tobytes())
            if len(self._pending) >= 4096:
                self.flush()
        if not self.keep:
            self.n += len(rows)
            return
        need = self.n + len(rows)
        if need > len(self.data):
            bigger = np.empty((max(need, len(self.data) * 3 // 2),) + self.data.shape[1:], dtype=self.dtype)
            bigger[:self.n] = self.data[:self.n]
            self.data = bigger
        self.data[self.n:need] = rows
        self.n = need

    @property
    def view(self) -> np.ndarray:
        return self.data[:self.n]

    def flush(self) -> None:
        """Write the rows added since the last flush (appends are batched: one write, not one per brief)."""
        if self._pending:
            os.write(self._fd, b"".join(self._pending))
            self._pending.clear()

    def sync(self) -> None:
        if self._fd is not None:
            self.flush()
            os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class Blobs:
    """Byte strings (ids, shingle sets) by ordinal: kept in memory, or in an append-only file.

    On disk only the end offsets stay in memory; a blob is read back with one `pread`.
    """

    def __init__(self, file: Path | None = None, count: int = 0) -> None:
        self.ends = Column(np.uint64, file=file.with_suffix(".ends") if file else None, count=count)
        if file is not None and count:
            self.ends.extend(self.ends.read_all(count), write=False)
        self._chunks: list[bytes] | None = [] if file is None else None
        self._fd = None
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        if file is not None:
            size = int(self.ends.view[-1]) if count else 0
            self._fd = os.open(file, os.O_RDWR | os.O_CREAT, 0o644)
            if os.fstat(self._fd).st_size < size:
                raise damaged(file.parent)
            os.ftruncate(self._fd, size)
            os.lseek(self._fd, 0, os.SEEK_END)

    def append(self, blob: bytes) -> None:
        end = (int(self.ends.data[self.ends.n - 1]) if self.ends.n else 0) + len(blob)
        if self._chunks is not None:
            self._chunks.append(blob)
        else:
            self._pending.append(blob)
            self._pending_bytes += len(blob)
            if len(self._pending) >= 4096:
                self.flush()
        self.ends.extend(np.array([end], dtype=np.uint64))

    def all(self) -> list[bytes]:
        """Every blob, in order (from the file in one read)."""
        if self._chunks is not None:
            return list(self._chunks)
        self.flush()
        ends = self.ends.view.tolist()
        data = os.pread(self._fd, ends[-1], 0) if ends else b""
        return [data[a:b] for a, b in zip([0, *ends[:-1]], ends)]

    def get(self, i: int) -> bytes:
        if self._chunks is not None:
            return self._chunks[i]
        start = int(self.ends.data[i - 1]) if i else 0
        stop = int(self.ends.data[i])
        written = stop - (int(self.ends.data[self.ends.n - 1]) - self._pending_bytes) if self.ends.n else 0
        if written > 0:  # still in the write buffer
            self.flush()
        return os.pread(self._fd, stop - start, start)

    def flush(self) -> None:
        if self._pending:
            os.write(self._fd, b"".join(self._pending))
            self._pending.clear()
            self._pending_bytes = 0

    def sync(self) -> None:
        if self._fd is not None:
            self.flush()
            os.fsync(self._fd)
        self.ends.sync()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self.ends.close()


def damaged(path: Path) -> ConfigError:
    return ConfigError(f"查重索引 {path} 已损坏(文件不完整),请删除该目录后重建", code="index_corrupt")


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
