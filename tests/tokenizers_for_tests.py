"""Tokenizers of each family, trained in the tests with HF tokenizers (nothing downloaded)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

from kgprep.shards.tokenizer import train_byte_level_bpe


def wordpiece(texts: Iterable[str], path: Path, vocab_size: int = 2000) -> Path:
    """BERT-style: lower-casing normaliser, WordPiece with ## continuations, [SEP] and [PAD]."""
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size, special_tokens=["[UNK]", "[PAD]", "[CLS]", "[SEP]"],
        show_progress=False)
    tokenizer.train_from_iterator(texts, trainer=trainer)
    tokenizer.save(str(path))
    return path


BYTE_TOKENS = [f"<0x{i:02X}>" for i in range(256)]


def _save_with_byte_tokens(tokenizer: Tokenizer, path: Path) -> Path:
    """Save with the 256 ``<0xNN>`` tokens in the model's vocabulary, as sentencepiece models
    have them, so byte fallback spells characters the training text lacked instead of giving
    ``<unk>`` (a trainer's initial alphabet holds characters, not these tokens)."""
    spec = json.loads(tokenizer.to_str())
    vocab = spec["model"]["vocab"]
    for token in BYTE_TOKENS:
        vocab.setdefault(token, len(vocab))
    Tokenizer.from_str(json.dumps(spec)).save(str(path))
    return path


def metaspace_bpe(texts: Iterable[str], path: Path, vocab_size: int = 2000) -> Path:
    """Sentencepiece-style (Llama-like): BPE over "▁"-marked words with byte fallback."""
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Sequence([decoders.ByteFallback(), decoders.Metaspace()])
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=["<unk>", "<s>", "</s>", "<pad>"],
        show_progress=False)
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return _save_with_byte_tokens(tokenizer, path)


def llama2_bpe(texts: Iterable[str], path: Path, vocab_size: int = 2000) -> Path:
    """Llama-2 / Mistral layout: no pre-tokenizer; the normaliser prepends "▁" and turns spaces
    into "▁", BPE with byte fallback, and a decoder that undoes both (stripping one leading
    space). Trained with a "▁"-splitting pre-tokenizer, removed before saving, so the vocabulary
    has sentencepiece's "▁word" pieces as Llama-2's does."""
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="never", split=True)
    tokenizer.decoder = decoders.Sequence([
        decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
        decoders.Strip(" ", 1, 0)])
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=["<unk>", "<s>", "</s>", "<pad>"],
        show_progress=False)
    tokenizer.train_from_iterator(texts, trainer=trainer)
    tokenizer.pre_tokenizer = None
    return _save_with_byte_tokens(tokenizer, path)


def byte_level(texts: Iterable[str], path: Path, vocab_size: int = 2000) -> Path:
    """GPT-2-style byte-level BPE, the one kgprep trains itself."""
    return train_byte_level_bpe(texts, vocab_size, path)


KINDS = {"byte_level": byte_level, "wordpiece": wordpiece, "metaspace_bpe": metaspace_bpe,
         "llama2_bpe": llama2_bpe}
