"""The returns' values turned row by row (for the summary sheet and the outlier check), on disk (issue 5: memory
must not grow with the number of files).

The batch keeps each return's values on disk (:mod:`cchc_xlsx.batch.store`), a file at a time;
the summary sheet needs them row by row (one row per catalogue code, one
column per unit, streamed top to bottom). :class:`Columns` is that transpose:
each unit's values are added as a column, buffered a block of columns at a
time and written to a row-major temporary file (a type byte and a float64 per
cell; text and other values pickled to a side file, the float64 holding their
offset), so that a row of every unit is one read.

The files are unlinked when made (nothing is left behind, even on a crash).
"""

from __future__ import annotations

import math
import os
import pickle
import tempfile
from array import array
from collections.abc import Mapping, Sequence
from typing import IO

# cell types of :class:`Columns`
_NONE, _INT, _FLOAT, _OBJ = 0, 1, 2, 3
_EXACT = 2**53  # an int of at most this size is exact as a float64
BLOCK = 256  # columns buffered before they are written out


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
