"""Character spans to token spans: the minimal covering token range, vectorised with numpy.

Also the per-token painting of ranges: ``paint_first`` (the first covering range's value) and
``paint_or`` (the bitwise OR of every covering range's flags, as the shards' ``role`` column).
"""

from __future__ import annotations

import numpy as np

# A token's role in the shards is a set of bit flags: the OR over every triple that covers it.
ROLE_FLAGS = {"subject": 1, "predicate": 2, "object": 4}
ROLE_NONE = 0


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
    e. A span that covers no token gives first >= last; an empty span (s >= e, such as an
    implicit predicate) gives the empty range [first, first), even inside a token.
    """
    span_starts, span_ends = np.asarray(span_starts), np.asarray(span_ends)
    first = np.searchsorted(ends, span_starts, side="right")
    last = np.searchsorted(starts, span_ends, side="left")
    last = np.where(span_starts < span_ends, last, first)
    return first.astype(np.int64), last.astype(np.int64)


def _expand(n: int, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (range, token) pair of ranges [start, end) clipped to ``n`` tokens, ranges in array
    order: (range index, token index), both int64."""
    starts = np.asarray(starts, np.int64)
    lengths = np.maximum(np.minimum(np.asarray(ends, np.int64), n) - starts, 0)
    total = int(lengths.sum())
    range_of = np.repeat(np.arange(len(lengths)), lengths)
    tokens = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(total)
    return range_of, tokens


def paint_or(n: int, starts: np.ndarray, ends: np.ndarray, flags: np.ndarray,
             dtype: type = np.uint8) -> np.ndarray:
    """Per token of ``n``, the bitwise OR of the flags of every range [start, end) covering it
    (0 where none does); an empty range covers nothing.

    Vectorised per bit with a difference array (+1 at each start, -1 at each end, a running
    sum > 0 marks covered tokens): no Python loop over ranges or tokens.
    """
    out: np.ndarray = np.zeros(n, dtype)
    starts = np.clip(np.asarray(starts, np.int64), 0, n)
    ends = np.clip(np.asarray(ends, np.int64), 0, n)
    flags = np.asarray(flags).astype(dtype)
    keep = starts < ends
    starts, ends, flags = starts[keep], ends[keep], flags[keep]
    present = int(np.bitwise_or.reduce(flags)) if len(flags) else 0
    for bit in range(np.dtype(dtype).itemsize * 8):
        value = 1 << bit
        if not present & value:
            continue
        has = (flags & value) != 0
        delta = np.zeros(n + 1, np.int64)
        np.add.at(delta, starts[has], 1)
        np.add.at(delta, ends[has], -1)
        out[np.cumsum(delta[:n]) > 0] |= dtype(value)
    return out


def paint_first(n: int, starts: np.ndarray, ends: np.ndarray, values: np.ndarray,
                fill: int, dtype: type) -> np.ndarray:
    """Per token of ``n``, the value of the first range [start, end) in array order that covers
    it, else ``fill``: the annotation rule "an earlier triple keeps its tokens", without a
    Python loop over the ranges."""
    out: np.ndarray = np.full(n, fill, dtype)
    # Every (token, range) pair, ranges in array order; a stable sort by token then puts each
    # token's first covering range first.
    range_of, tokens = _expand(n, starts, ends)
    total = len(tokens)
    if total == 0:
        return out
    by_token = np.argsort(tokens, kind="stable")
    sorted_tokens = tokens[by_token]
    first = np.ones(total, bool)
    first[1:] = sorted_tokens[1:] != sorted_tokens[:-1]
    out[sorted_tokens[first]] = np.asarray(values)[range_of[by_token[first]]]
    return out
