"""Deterministic randomness for the sample source: stable seeds and smooth value noise.

Everything comes from hashes of the inputs (``hashlib`` for seeds, a vectorised splitmix64 for
noise fields), never from global random state, so the same inputs always give the same weather.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

_SEED_ROOT = "weatherflick-sample-v1"


def _seed(*parts: Any) -> int:
    """Stable 64-bit seed from any repr-able parts (independent of PYTHONHASHSEED)."""
    digest = hashlib.blake2b(repr((_SEED_ROOT, *parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


_G = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = (np.uint64(s) for s in (30, 27, 31, 11))


def _hash_signed(seed: int, key: np.ndarray) -> np.ndarray:
    """Uniform values in [-1, 1) from integer keys (vectorised splitmix64)."""
    k = np.ascontiguousarray(key, dtype=np.int64).view(np.uint64)
    z = k * _G + np.uint64(seed)
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    z = z ^ (z >> _S31)
    return (z >> _S11).astype(np.float64) * (2.0 / 2.0**53) - 1.0


def _smooth(f: np.ndarray) -> np.ndarray:
    return f * f * (3.0 - 2.0 * f)


def _noise1(seed: int, x: np.ndarray) -> np.ndarray:
    """Smooth 1-D value noise in [-1, 1] with unit knot spacing."""
    x = np.asarray(x, dtype=np.float64)
    i = np.floor(x)
    u = _smooth(x - i)
    i = i.astype(np.int64)
    a = _hash_signed(seed, i)
    b = _hash_signed(seed, i + 1)
    return a + (b - a) * u


def _noise2(seed: int, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Smooth 2-D value noise in [-1, 1] with unit knot spacing."""
    x, y = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(y, np.float64))
    ix, iy = np.floor(x), np.floor(y)
    ux, uy = _smooth(x - ix), _smooth(y - iy)
    ix, iy = ix.astype(np.int64), iy.astype(np.int64)
    p = np.int64(1_000_003)

    def h(dx: int, dy: int) -> np.ndarray:
        return _hash_signed(seed, (ix + dx) * p + (iy + dy))

    top = h(0, 0) + (h(1, 0) - h(0, 0)) * ux
    bottom = h(0, 1) + (h(1, 1) - h(0, 1)) * ux
    return top + (bottom - top) * uy
