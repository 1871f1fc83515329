"""Named arrays as bytes: what a chunk keeps of its trials, for the blob store.

The layout is ``RSA1``, a little-endian uint32 header length, a JSON header listing each
array's name, dtype and shape, then each array's raw little-endian bytes in that order. It
has no timestamps or padding, so the same arrays always give the same bytes (and the same
sha256 in a content-addressed store), and decoding never runs code from the payload.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from typing import Any

import numpy

MAGIC = b"RSA1"
DTYPES = ("<f8", "<i8", "|b1")


def pack(arrays: Mapping[str, Any]) -> bytes:
    """``arrays`` (float64, int64 or bool) encoded in the order given."""
    parts: list[bytes] = []
    header: list[dict[str, Any]] = []
    for name, array in arrays.items():
        array = numpy.asarray(array)
        dtype = array.dtype.newbyteorder("<") if array.dtype.kind in "fi" else array.dtype
        if dtype.str not in DTYPES:
            raise ValueError(f"array {name!r} has dtype {array.dtype}; expected one of {DTYPES}")
        header.append({"name": name, "dtype": dtype.str, "shape": list(array.shape)})
        parts.append(numpy.ascontiguousarray(array, dtype=dtype).tobytes())
    head = json.dumps(header, separators=(",", ":")).encode()
    return b"".join([MAGIC, struct.pack("<I", len(head)), head, *parts])


def unpack(data: bytes) -> dict[str, Any]:
    """The arrays :func:`pack` encoded, by name (read-only views of ``data``)."""
    if data[:4] != MAGIC or len(data) < 8:
        raise ValueError("not a packed array blob (bad magic)")
    (length,) = struct.unpack("<I", data[4:8])
    header = json.loads(data[8 : 8 + length])
    offset = 8 + length
    arrays: dict[str, Any] = {}
    for entry in header:
        if entry["dtype"] not in DTYPES:
            raise ValueError(f"array {entry['name']!r}: unsupported dtype {entry['dtype']}")
        dtype = numpy.dtype(entry["dtype"])
        shape = tuple(int(n) for n in entry["shape"])
        size = int(numpy.prod(shape, dtype=numpy.int64)) * dtype.itemsize
        if offset + size > len(data):
            raise ValueError(f"array {entry['name']!r} runs past the end of the blob")
        flat = numpy.frombuffer(data, dtype=dtype, count=size // dtype.itemsize, offset=offset)
        arrays[entry["name"]] = flat.reshape(shape)
        offset += size
    if offset != len(data):
        raise ValueError("packed array blob has trailing bytes")
    return arrays
