"""Each return's values kept on disk, not in the parent process (issue 5:
memory must not grow with the number of files).

A consolidation reads thousands of returns and needs their values twice after
all of them are read: file by file (adding up, the notes sheet, the tidy CSV)
and row by row (the summary sheet: one row per catalogue code, one column per
unit, streamed top to bottom). Keeping every return's ``values`` dict in the
parent until then costs some 3 KiB per file, so here

* :class:`Spill` writes a return's values and notes (pickled) to an unlinked
  temporary file as the return arrives from its worker, and reads them back
  one file at a time; the parent keeps an offset per file;
* :class:`Columns` is the transpose for the summary: each unit's values are
  added as a column, buffered a block of columns at a time and written to a
  row-major temporary file (a type byte and a float64 per cell; text and other
  values pickled to a side file, the float64 holding their offset), so that a
  row of every unit is one read.

Both files are unlinked when made (nothing is left behind, even on a crash).
"""

from __future__ import annotations

import math
import os
import pickle
import tempfile
from array import array
from collections.abc import Mapping, Sequence
from typing import IO

from .reader import FileResult

# cell types of :class:`Columns`
_NONE, _INT, _FLOAT, _OBJ = 0, 1, 2, 3
_EXACT = 2**53  # an int of at most this size is exact as a float64
BLOCK = 256  # columns buffered before they are written out


class Spill:
    """The values and notes of returns, written to disk as they are read."""

    def __init__(self, dir: str | None = None) -> None:
        self._fh: IO[bytes] = tempfile.TemporaryFile(prefix="cchc-values-", dir=dir)  # noqa: SIM115 - closed by close()
        self._at: dict[str, int] = {}  # path → offset: the only thing kept per file

    def put(self, f: FileResult) -> None:
        """Move a return's values and notes to disk (a consolidated input's stay: its state is used as a whole)."""
        if f.kind == "consolidated" or (not f.values and not f.notes):
            return
        self._fh.seek(0, os.SEEK_END)
        self._at[f.path] = self._fh.tell()
        pickle.dump((f.values, f.notes), self._fh, protocol=pickle.HIGHEST_PROTOCOL)
        f.values, f.notes = {}, {}

    def spilled(self, f: FileResult) -> bool:
        return f.path in self._at

    def load(self, f: FileResult) -> tuple[dict[str, object], dict[str, str]]:
        """A return's values and notes: from disk when spilled, else its own."""
        at = self._at.get(f.path)
        if at is None:
            return f.values, f.notes
        if self._fh.closed:
            raise RuntimeError(f"Số liệu của {f.path} đã được ghi ra tệp tạm và xóa khi tổng hợp xong; hãy tổng hợp lại để ghi lại kết quả.")
        self._fh.seek(at)
        values, notes = pickle.load(self._fh)
        return values, notes

    def close(self) -> None:
        """Remove the file (what was spilled can no longer be read)."""
        self._fh.close()


class Columns:
    """Values of ``codes`` for ``ncols`` columns: added column by column, read row by row."""

    def __init__(self, codes: Sequence[str], ncols: int, dir: str | None = None) -> None:
        self.codes = list(dict.fromkeys(codes))
        self.index = {c: i for i, c in enumerate(self.codes)}
        self.ncols = ncols
        self._types: IO[bytes] = tempfile.TemporaryFile(prefix="cchc-cols-", dir=dir)  # noqa: SIM115
        self._nums: IO[bytes] = tempfile.TemporaryFile(prefix="cchc-cols-", dir=dir)  # noqa: SIM115
        self._objs: IO[bytes] = tempfile.TemporaryFile(prefix="cchc-cols-", dir=dir)  # noqa: SIM115
        n = len(self.codes) * ncols
        self._types.truncate(n)  # zeros: _NONE everywhere
        self._nums.truncate(n * 8)
        self._block = -1
        self._btypes = bytearray()
        self._bnums = array("d")
        self._done = False

    def add(self, col: int, values: Mapping[str, object]) -> None:
        """Column ``col``'s values (columns in increasing order; a column not added is blank)."""
        block = col // BLOCK
        if block != self._block:
            self._flush()
            self._block = block
            self._btypes = bytearray(len(self.codes) * BLOCK)
            self._bnums = array("d", bytes(8 * len(self.codes) * BLOCK))
        j = col - block * BLOCK
        types, nums = self._btypes, self._bnums
        for code, v in values.items():
            i = self.index.get(code)
            if i is None or v is None:
                continue
            k = i * BLOCK + j
            if type(v) is int and -_EXACT <= v <= _EXACT:
                types[k], nums[k] = _INT, float(v)
            elif type(v) is float and not math.isnan(v):
                types[k], nums[k] = _FLOAT, v
            else:  # text, a bool, a huge int, NaN, anything else: kept exactly
                self._objs.seek(0, os.SEEK_END)
                types[k], nums[k] = _OBJ, float(self._objs.tell())
                pickle.dump(v, self._objs, protocol=pickle.HIGHEST_PROTOCOL)

    def _flush(self) -> None:
        if self._block < 0:
            return
        first = self._block * BLOCK
        width = min(BLOCK, self.ncols - first)
        for i in range(len(self.codes)):
            at = i * self.ncols + first
            self._types.seek(at)
            self._types.write(self._btypes[i * BLOCK : i * BLOCK + width])
            self._nums.seek(at * 8)
            self._nums.write(self._bnums[i * BLOCK : i * BLOCK + width].tobytes())
        self._block = -1
        self._btypes, self._bnums = bytearray(), array("d")

    def row(self, code: str) -> list[object]:
        """Every column's value of ``code`` (None where blank or not added)."""
        if not self._done:
            self._flush()
            self._done = True
        i = self.index.get(code)
        if i is None:
            return [None] * self.ncols
        at = i * self.ncols
        self._types.seek(at)
        types = self._types.read(self.ncols)
        self._nums.seek(at * 8)
        nums = array("d")
        nums.frombytes(self._nums.read(self.ncols * 8))
        out: list[object] = [None] * self.ncols
        for j, t in enumerate(types):
            if t == _FLOAT:
                out[j] = nums[j]
            elif t == _INT:
                out[j] = int(nums[j])
            elif t == _OBJ:
                self._objs.seek(int(nums[j]))
                out[j] = pickle.load(self._objs)
        return out

    def close(self) -> None:
        for fh in (self._types, self._nums, self._objs):
            fh.close()
