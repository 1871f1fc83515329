"""Chunk plans and the packed-array blobs that carry a chunk's trials."""

from __future__ import annotations

import numpy as np
import pytest

from engines.chunks import Chunk, chunk_size_of, plan_chunks
from engines.packing import pack, unpack


def test_a_plan_covers_every_trial_once_in_full_chunks_then_the_rest() -> None:
    plan = plan_chunks(250_001, 100_000)
    assert plan == [Chunk(0, 0, 100_000), Chunk(1, 100_000, 100_000), Chunk(2, 200_000, 50_001)]
    assert {chunk_size_of(250_001, chunk) for chunk in plan} == {100_000}
    assert plan_chunks(7, 1_000) == [Chunk(0, 0, 7)]
    assert chunk_size_of(1, Chunk(0, 0, 1)) == 2
    assert Chunk.from_dict(plan[2].to_dict()) == plan[2]


@pytest.mark.parametrize(
    "chunk", [Chunk(1, 100_000, 99_999), Chunk(2, 150_000, 50_001), Chunk(3, 300_000, 1)]
)
def test_a_chunk_of_no_plan_of_the_run_is_refused(chunk: Chunk) -> None:
    with pytest.raises(ValueError, match="is not a chunk of a run of 250001 trials"):
        chunk_size_of(250_001, chunk)


def test_packed_arrays_round_trip_and_the_same_arrays_give_the_same_bytes() -> None:
    arrays = {
        "values": np.random.default_rng(1).normal(size=1_000),
        "matrix": np.arange(12, dtype=np.float64).reshape(3, 4),
        "keys": np.array([-5, 0, 2**40], dtype=np.int64),
        "valid": np.array([True, False, True]),
        "empty": np.zeros((2, 0)),
    }
    data = pack(arrays)
    assert data == pack(dict(arrays))
    back = unpack(data)
    assert list(back) == list(arrays)
    for name, array in arrays.items():
        assert back[name].dtype == array.dtype
        np.testing.assert_array_equal(back[name], array)
    assert unpack(pack({})) == {}


def test_blobs_that_are_not_packed_arrays_are_refused() -> None:
    data = pack({"values": np.ones(4)})
    with pytest.raises(ValueError, match="bad magic"):
        unpack(b"PK" + data[2:])
    with pytest.raises(ValueError, match="runs past the end"):
        unpack(data[:-1])
    with pytest.raises(ValueError, match="trailing bytes"):
        unpack(data + b"\0")
    with pytest.raises(ValueError, match="expected one of"):
        pack({"single": np.ones(2, dtype=np.float32)})
