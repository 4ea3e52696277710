"""The fact probe: does the model put a fact's object after "subject predicate"?

For graph facts of training documents and of held-out documents, the prompt is the text of the
fact's subject and predicate spans ("Du Fu" "wrote") tokenised afresh with the pipeline's
tokenizer after an EOS (documents start after one in training), and the target is the first token
of " object" (a leading article goes into the prompt: "X wrote the" -> "book"). The figure is the
target's rank among all tokens at the prompt's last position (1 is best): the mean reciprocal
rank, the median rank and the share within the top 10.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from kgprep.ablation.data import Doc, plain
from kgprep.ablation.model import CausalLM

ARTICLES = ("the", "a", "an")


@dataclass(frozen=True)
class Probe:
    prompt: tuple[int, ...]
    subject_tokens: int  # the prompt's first tokens (after EOS) that spell the subject
    target: int
    subj_node: int
    subnet: int
    text: str


def probes(docs: list[Doc], tokenizer: Any, eos_id: int, limit: int, max_len: int
           ) -> tuple[list[Probe], int]:
    """Up to ``limit`` distinct facts (by text) of ``docs``, chosen by a hash of their text (so
    the same facts every run); also how many facts were skipped (implicit predicate, a prompt
    the tokenizer merges into the object, or one longer than the model's context)."""
    found: dict[str, Probe] = {}
    skipped = 0
    for doc in docs:
        seq, spans = plain(doc)
        for t in range(len(spans)):
            s = spans[t]
            parts = [tokenizer.decode(seq.ids[s[i]:s[i + 1]].tolist()).strip()
                     for i in (0, 2, 4)]
            if not all(parts):
                skipped += 1
                continue
            subj, pred, obj = parts
            # A leading article joins the prompt: the target is the name's first token
            # ("book" after "X wrote the"), not a near-certain "the".
            head, _, rest = obj.partition(" ")
            if head.lower() in ARTICLES and rest:
                pred, obj = f"{pred} {head}", rest
            prompt = tokenizer.encode(f"{subj} {pred}", add_special_tokens=False).ids
            full = tokenizer.encode(f"{subj} {pred} {obj}", add_special_tokens=False).ids
            subject = tokenizer.encode(subj, add_special_tokens=False).ids
            if full[:len(prompt)] != prompt or len(full) == len(prompt) \
                    or prompt[:len(subject)] != subject or len(prompt) + 1 > max_len:
                skipped += 1
                continue
            text = f"{subj} | {pred} | {obj}"
            found.setdefault(text, Probe((eos_id, *prompt), len(subject), full[len(prompt)],
                                         int(doc.nodes[t, 0]), int(doc.nodes[t, 2]), text))
    chosen = sorted(found, key=lambda k: hashlib.sha256(k.encode("utf-8")).hexdigest())[:limit]
    return [found[k] for k in sorted(chosen)], skipped


@torch.no_grad()
def ranks(model: CausalLM, items: list[Probe], device: torch.device, annotations: bool
          ) -> list[int]:
    model.eval()
    out = []
    for p in items:
        ids = torch.tensor([p.prompt], device=device)
        # The prompt's annotations as the shards would carry them: the subject's tokens name
        # its entity, subject and predicate tokens the fact's subnetwork.
        entity = torch.full_like(ids, -1)
        subnet = torch.full_like(ids, -1)
        entity[0, 1:1 + p.subject_tokens] = p.subj_node  # position 0 is the EOS
        subnet[0, 1:] = p.subnet
        logits, _ = model(ids, entity if annotations else None, subnet if annotations else None)
        last = logits[0, -1].float()
        out.append(int((last > last[p.target]).sum()) + 1)
    model.train()
    return out


def summary(rank_list: list[int]) -> dict[str, float | int | None]:
    if not rank_list:
        return {"n": 0, "mrr": None, "median_rank": None, "top10": None}
    arr = np.asarray(rank_list, np.float64)
    return {"n": len(rank_list), "mrr": float(np.mean(1.0 / arr)),
            "median_rank": float(np.median(arr)), "top10": float(np.mean(arr <= 10))}
