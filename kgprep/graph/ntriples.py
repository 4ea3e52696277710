"""N-Triples / N-Quads term writing that the stages share, without rdflib's private helpers."""

from __future__ import annotations

# The escapes of N-Triples STRING_LITERAL_QUOTE (W3C N-Triples grammar):
# the four characters that may not appear raw. Other characters are written as they are (UTF-8).
_ESCAPES = (("\\", "\\\\"), ("\n", "\\n"), ('"', '\\"'), ("\r", "\\r"))


def quote_string(text: str) -> str:
    """``text`` as a quoted N-Triples string literal."""
    for raw, escaped in _ESCAPES:
        text = text.replace(raw, escaped)
    return f'"{text}"'
