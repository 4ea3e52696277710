"""Tokenizers: load a user's tokenizer.json, or train a byte-level BPE on the corpus."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

from kgprep.core.config import ConfigError
from kgprep.core.io import atomic_path, sha256_file

EOS_CANDIDATES = ("<|endoftext|>", "</s>", "<eos>", "<|eos|>", "[SEP]", "<|end_of_text|>")
PAD_CANDIDATES = ("<|pad|>", "<pad>", "[PAD]", "<|padding|>")
TRAINED_EOS = "<|endoftext|>"
TRAINED_PAD = "<|pad|>"
# Knowledge linearisation markup: <kg> subject <rel> predicate <obj> object </kg>
KG_TOKENS = ("<kg>", "<rel>", "<obj>", "</kg>")


@dataclass(frozen=True)
class TokenizerInfo:
    path: str
    sha256: str
    vocab_size: int
    eos_id: int
    pad_id: int
    eos_token: str
    pad_token: str


def train_byte_level_bpe(texts: Iterable[str], vocab_size: int, out: Path,
                         extra_special: tuple[str, ...] = ()) -> Path:
    """Train a GPT-2-style byte-level BPE and write its tokenizer.json atomically."""
    tokenizer = Tokenizer(models.BPE())
    # Punctuation is isolated first so token edges fall on spaCy's word edges ("C++." must not
    # become one token when a span ends at "C++").
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Punctuation("isolated"), pre_tokenizers.ByteLevel(add_prefix_space=False)]
    )
    tokenizer.decoder = decoders.ByteLevel()
    # trim_offsets keeps the leading space out of a token's character offsets.
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=True)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[TRAINED_EOS, TRAINED_PAD, *extra_special],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    with atomic_path(out) as tmp:
        tokenizer.save(str(tmp))
    return out


def trained_special_tokens(eos_token: str, pad_token: str) -> tuple[str, ...]:
    """The configured EOS and pad tokens a trained BPE must add beside its own two, so that
    ``shards.eos_token`` names a token whether or not ``shards.tokenizer`` is set."""
    wanted = (t for t in (eos_token, pad_token) if t and t not in (TRAINED_EOS, TRAINED_PAD))
    return tuple(dict.fromkeys(wanted))


def with_special_tokens(source: Path, out: Path, tokens: tuple[str, ...]) -> Path:
    """A copy of a user's tokenizer with ``tokens`` added as special tokens where missing."""
    tokenizer = Tokenizer.from_file(str(source))
    missing = [t for t in tokens if tokenizer.token_to_id(t) is None]
    tokenizer.add_special_tokens(missing)
    with atomic_path(out) as tmp:
        tokenizer.save(str(tmp))
    return out


def _special_id(tokenizer: Tokenizer, configured: str, candidates: tuple[str, ...],
                what: str) -> tuple[int, str]:
    if configured:
        token_id = tokenizer.token_to_id(configured)
        if token_id is None:
            raise ConfigError(
                f"config key 'shards.{what}_token': {configured!r} is not in the tokenizer"
            )
        return token_id, configured
    for candidate in candidates:
        token_id = tokenizer.token_to_id(candidate)
        if token_id is not None:
            return token_id, candidate
    raise ConfigError(
        f"the tokenizer has no {what} token among {', '.join(candidates)}; "
        f"set shards.{what}_token"
    )


def describe(tokenizer: Tokenizer, path: Path, eos_token: str, pad_token: str,
             display_path: str) -> TokenizerInfo:
    eos_id, eos = _special_id(tokenizer, eos_token, EOS_CANDIDATES, "eos")
    try:
        pad_id, pad = _special_id(tokenizer, pad_token, PAD_CANDIDATES, "pad")
    except ConfigError:
        if pad_token:
            raise
        pad_id, pad = eos_id, eos  # common for GPT-style vocabularies without a pad token
    return TokenizerInfo(
        path=display_path,
        sha256=sha256_file(path),
        vocab_size=tokenizer.get_vocab_size(with_added_tokens=True),
        eos_id=eos_id,
        pad_id=pad_id,
        eos_token=eos,
        pad_token=pad,
    )
