"""Character spans to token spans: the minimal covering token range, vectorised with numpy."""

from __future__ import annotations

import numpy as np


def token_bounds(offsets: list[tuple[int, int]] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Token start and end arrays, made non-decreasing so that binary search is valid."""
    arr = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
    starts = np.maximum.accumulate(arr[:, 0]) if len(arr) else arr[:, 0]
    ends = np.maximum.accumulate(arr[:, 1]) if len(arr) else arr[:, 1]
    return starts, ends


def align_spans(
    starts: np.ndarray, ends: np.ndarray, span_starts: np.ndarray, span_ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Half-open token ranges [first, last) covering each character span [s, e).

    first is the first token that ends after s; last is the first token that starts at or after
    e. A span that covers no token gives first >= last.
    """
    first = np.searchsorted(ends, np.asarray(span_starts), side="right")
    last = np.searchsorted(starts, np.asarray(span_ends), side="left")
    return first.astype(np.int64), last.astype(np.int64)
