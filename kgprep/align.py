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


def paint_first(n: int, starts: np.ndarray, ends: np.ndarray, values: np.ndarray,
                fill: int, dtype: type) -> np.ndarray:
    """Per token of ``n``, the value of the first range [start, end) in array order that covers
    it, else ``fill``: the annotation rule "an earlier triple keeps its tokens", without a
    Python loop over the ranges."""
    out = np.full(n, fill, dtype)
    lengths = np.maximum(np.minimum(ends, n) - np.asarray(starts), 0)
    total = int(lengths.sum())
    if total == 0:
        return out
    # Every (token, range) pair, ranges in array order; a stable sort by token then puts each
    # token's first covering range first.
    range_of = np.repeat(np.arange(len(lengths)), lengths)
    tokens = (np.repeat(np.asarray(starts) - (np.cumsum(lengths) - lengths), lengths)
              + np.arange(total))
    by_token = np.argsort(tokens, kind="stable")
    sorted_tokens = tokens[by_token]
    first = np.ones(total, bool)
    first[1:] = sorted_tokens[1:] != sorted_tokens[:-1]
    out[sorted_tokens[first]] = np.asarray(values)[range_of[by_token[first]]]
    return out
