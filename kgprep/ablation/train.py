"""One matched training run: a variant's rows, the shared budget, the held-out curve.

Every run takes ``steps`` optimiser steps of ``batch_size`` rows of ``seq_len`` positions (the
same positions budget for every variant), AdamW with a linear warm-up then a constant rate (so
that a point in the middle of a curve is comparable with the end of another), and measures the
held-out loss on text tokens at evenly spaced points, the first before any training.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from kgprep.ablation.data import Packed
from kgprep.ablation.model import CausalLM, ModelSize

ROLE_BITS = (1, 2, 4)  # subject, predicate, object: the shards' role flags


@dataclass(frozen=True)
class TrainSpec:
    steps: int
    batch_size: int
    lr: float
    warmup: float  # fraction of the steps
    evals: int  # measured points after the one at 0 tokens
    role_weight: float
    eval_batch: int = 32


@dataclass
class Curve:
    tokens: list[int] = field(default_factory=list)  # positions trained on (the budget's unit)
    text_tokens: list[int] = field(default_factory=list)  # of which text tokens
    heldout_loss: list[float] = field(default_factory=list)
    extra_loss: list[float] = field(default_factory=list)  # held-out in the variant's own format


def batch_tensors(rows: Packed, index: np.ndarray, device: torch.device
                  ) -> dict[str, torch.Tensor]:
    return {
        "ids": torch.from_numpy(rows.ids[index]).to(device),
        "text": torch.from_numpy(rows.text[index]).to(device),
        "role": torch.from_numpy(rows.role[index].astype(np.int64)).to(device),
        "entity": torch.from_numpy(rows.entity[index]).to(device),
        "subnet": torch.from_numpy(rows.subnet[index]).to(device),
    }


def lm_loss_sum(logits: torch.Tensor, batch: dict[str, torch.Tensor]
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed next-token loss over the positions whose target is a text token, and their count:
    markup, prefixes and padding are read but never scored."""
    targets = batch["ids"][:, 1:]
    scored = batch["text"][:, 1:]
    losses = nn.functional.cross_entropy(
        logits[:, :-1].reshape(-1, logits.shape[-1]).float(), targets.reshape(-1),
        reduction="none")
    mask = scored.reshape(-1).float()
    return (losses * mask).sum(), mask.sum()


def role_loss(roles: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Per text token, three binary targets from its role flags (as ``make train-smoke``)."""
    bits = torch.tensor(ROLE_BITS, device=roles.device)
    targets = ((batch["role"].unsqueeze(-1) & bits) != 0).float()
    scored = batch["text"]
    return nn.functional.binary_cross_entropy_with_logits(roles[scored].float(),
                                                          targets[scored])


def _autocast(device: torch.device) -> torch.autocast:
    # bfloat16 on a GPU (what a real run uses); full precision on the CPU, for determinism.
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda")


@torch.no_grad()
def heldout_loss(model: CausalLM, rows: Packed, device: torch.device, batch_rows: int,
                 annotations: bool) -> float:
    model.eval()
    total = torch.zeros((), device=device)
    count = torch.zeros((), device=device)
    for start in range(0, len(rows), batch_rows):
        batch = batch_tensors(rows, np.arange(start, min(start + batch_rows, len(rows))),
                              device)
        with _autocast(device):
            logits, _ = model(batch["ids"], batch["entity"] if annotations else None,
                              batch["subnet"] if annotations else None)
        s, c = lm_loss_sum(logits, batch)
        total += s
        count += c
    model.train()
    return float(total / count.clamp(min=1))


def eval_points(steps: int, evals: int) -> list[int]:
    return sorted({0, *(round(steps * k / evals) for k in range(1, evals + 1))})


def train_run(model: CausalLM, phases: list[tuple[int, Packed]], heldout: Packed,
              extra_heldout: Packed | None, spec: TrainSpec, seed: int, device: torch.device,
              annotations: bool) -> Curve:
    """Train on ``phases`` (rows for steps [0, until), then the next rows...) and return the
    held-out curve. The row order is a permutation per (seed, epoch), the same for every
    variant with as many rows."""
    optimiser = torch.optim.AdamW(model.parameters(), lr=spec.lr, betas=(0.9, 0.95),
                                  weight_decay=0.1)
    warm = max(1, math.ceil(spec.warmup * spec.steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: min(1.0, (s + 1) / warm))
    points = set(eval_points(spec.steps, spec.evals))
    curve = Curve()
    positions = text_seen = 0
    order: np.ndarray = np.zeros(0, np.int64)
    cursor = epoch = 0
    phase_rows: Packed | None = None

    def measure() -> None:
        curve.tokens.append(positions)
        curve.text_tokens.append(text_seen)
        curve.heldout_loss.append(heldout_loss(model, heldout, device, spec.eval_batch,
                                               annotations))
        if extra_heldout is not None:
            curve.extra_loss.append(heldout_loss(model, extra_heldout, device, spec.eval_batch,
                                                 annotations))

    measure()
    for step in range(spec.steps):
        rows = next(r for until, r in phases if step < until)
        if rows is not phase_rows:  # a new phase: a fresh permutation of its rows
            phase_rows, cursor, epoch = rows, 0, 0
            order = np.random.default_rng([seed, epoch]).permutation(len(rows))
        index: list[int] = []
        while len(index) < spec.batch_size:
            if cursor == len(order):
                epoch, cursor = epoch + 1, 0
                order = np.random.default_rng([seed, epoch]).permutation(len(rows))
            take = order[cursor:cursor + spec.batch_size - len(index)]
            cursor += len(take)
            index.extend(take.tolist())
        picked = np.asarray(index)
        batch = batch_tensors(rows, picked, device)
        with _autocast(device):
            logits, roles = model(batch["ids"], batch["entity"] if annotations else None,
                                  batch["subnet"] if annotations else None)
            total, count = lm_loss_sum(logits, batch)
            loss = total / count.clamp(min=1)
            if roles is not None:
                loss = loss + spec.role_weight * role_loss(roles, batch)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        schedule.step()
        positions += batch["ids"].numel()
        text_seen += int(rows.text[picked].sum())  # from numpy: no device sync
        if step + 1 in points:
            measure()
    return curve


def build_model(vocab_size: int, size: ModelSize, seed: int, role_head: bool,
                entity_buckets: int, subnet_buckets: int, device: torch.device) -> CausalLM:
    torch.manual_seed(seed)
    return CausalLM(vocab_size, size, role_head, entity_buckets, subnet_buckets).to(device)
