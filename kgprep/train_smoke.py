"""``make train-smoke``: a tiny causal transformer trained for a few steps on kgprep shards.

The loss is the language-model loss plus an auxiliary per-token role loss from the shards'
``role`` bit flags: three binary targets (subject, predicate, object) per text token, since a
token may play several roles, with a binary cross-entropy on three logits. Both must go down; the
command exits 1 if either does not.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
from torch import nn

from kgprep.ablation.model import CausalLM, ModelSize
from kgprep.loader import IGNORE_INDEX, KgprepDataset, KgprepLoader, role_targets


def losses(model: CausalLM, batch: dict[str, torch.Tensor], device: torch.device
           ) -> tuple[torch.Tensor, torch.Tensor]:
    input_ids = batch["input_ids"].to(device)
    labels = batch["labels"].to(device)
    role = batch["role"].to(device)
    lm_logits, role_logits = model(input_ids)
    assert role_logits is not None  # built with a role head
    # Next-token prediction: position t predicts token t + 1.
    lm = nn.functional.cross_entropy(
        lm_logits[:, :-1].reshape(-1, lm_logits.shape[-1]), labels[:, 1:].reshape(-1),
        ignore_index=IGNORE_INDEX)
    # Text tokens only: padding and knowledge markup (labels ignored) carry no role target.
    scored = labels != IGNORE_INDEX
    aux = nn.functional.binary_cross_entropy_with_logits(
        role_logits[scored], role_targets(role)[scored])
    return lm, aux


def train(shards_dir: Path, steps: int, batch_size: int, device_name: str, seed: int = 0,
          role_weight: float = 0.5, lr: float = 3e-3, log_every: int = 10
          ) -> tuple[list[float], list[float]]:
    """Train for ``steps`` steps; returns the LM and role losses per step."""
    torch.manual_seed(seed)
    device = torch.device(device_name)
    dataset = KgprepDataset(shards_dir, batch_size=batch_size, shuffle=True, seed=seed)
    manifest = dataset.rows.manifest
    # The ablation's transformer (kgprep.ablation.model), small, with its role head.
    size = ModelSize(width=64, layers=2, heads=4, seq_len=manifest["seq_len"])
    model = CausalLM(manifest["tokenizer"]["vocab_size"], size, role_head=True).to(device)
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr)
    loader = KgprepLoader(dataset)
    lm_history: list[float] = []
    role_history: list[float] = []
    started = time.perf_counter()
    while len(lm_history) < steps:
        for batch in loader:
            lm, aux = losses(model, batch, device)
            optimiser.zero_grad(set_to_none=True)
            (lm + role_weight * aux).backward()
            optimiser.step()
            lm_history.append(lm.item())
            role_history.append(aux.item())
            step = len(lm_history)
            if step % log_every == 0 or step == 1:
                print(f"step {step:4d}  lm_loss {lm.item():.4f}  role_loss {aux.item():.4f}",
                      flush=True)
            if step >= steps:
                break
    seconds = time.perf_counter() - started
    print(f"{steps} steps in {seconds:.1f} s on {device}")
    return lm_history, role_history


def went_down(history: list[float], window: int = 5) -> bool:
    window = max(1, min(window, len(history) // 2))
    first = sum(history[:window]) / window
    last = sum(history[-window:]) / window
    return last < first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kgprep.train_smoke", description=__doc__)
    parser.add_argument("shards_dir", type=Path, help="a shards directory with manifest.json")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("error: --device cuda but no CUDA device is available", file=sys.stderr)
        return 2
    lm, role = train(args.shards_dir, args.steps, args.batch_size, args.device, args.seed)
    ok = went_down(lm) and went_down(role)
    w = max(1, min(5, len(lm) // 2))
    print(f"lm_loss {sum(lm[:w]) / w:.4f} -> {sum(lm[-w:]) / w:.4f}; "
          f"role_loss {sum(role[:w]) / w:.4f} -> {sum(role[-w:]) / w:.4f} "
          f"(mean of first and last {w} steps): {'both went down' if ok else 'NOT DECREASING'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
