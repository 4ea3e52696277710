"""Tokenizers of each family, trained in the tests with HF tokenizers (nothing downloaded)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

from kgprep.tokenizer import train_byte_level_bpe


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


def metaspace_bpe(texts: Iterable[str], path: Path, vocab_size: int = 2000) -> Path:
    """Sentencepiece-style (Llama-like): BPE over "▁"-marked words with byte fallback."""
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Sequence([decoders.ByteFallback(), decoders.Metaspace()])
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=["<unk>", "<s>", "</s>", "<pad>"],
        initial_alphabet=[f"<0x{i:02X}>" for i in range(256)], show_progress=False)
    tokenizer.train_from_iterator(texts, trainer=trainer)
    tokenizer.save(str(path))
    return path


def byte_level(texts: Iterable[str], path: Path, vocab_size: int = 2000) -> Path:
    """GPT-2-style byte-level BPE, the one kgprep trains itself."""
    return train_byte_level_bpe(texts, vocab_size, path)


KINDS = {"byte_level": byte_level, "wordpiece": wordpiece, "metaspace_bpe": metaspace_bpe}
