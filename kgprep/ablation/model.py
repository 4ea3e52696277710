"""A small pre-norm causal transformer with an optional role head and knowledge embeddings.

Every variant builds the same trunk from the same seed first, so the parameters they share start
equal; the extras (role head, entity and subnetwork embeddings) are created after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

N_ROLES = 3  # subject, predicate, object: one binary logit each


@dataclass(frozen=True)
class ModelSize:
    width: int = 128
    layers: int = 2
    heads: int = 4
    seq_len: int = 128


class Block(nn.Module):
    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(),
                                 nn.Linear(4 * width, width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, w = x.shape
        q, k, v = self.qkv(self.norm1(x)).view(b, n, 3, self.heads, w // self.heads).unbind(2)
        att = nn.functional.scaled_dot_product_attention(
            q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), is_causal=True)
        x = x + self.proj(att.transpose(1, 2).reshape(b, n, w))
        return x + self.mlp(self.norm2(x))


class CausalLM(nn.Module):
    """Token + position embeddings, ``layers`` blocks, an LM head; optionally a role head and
    entity / subnetwork embeddings added to the token embeddings (index 0: none)."""

    def __init__(self, vocab_size: int, size: ModelSize, role_head: bool = False,
                 entity_buckets: int = 0, subnet_buckets: int = 0):
        super().__init__()
        self.tokens = nn.Embedding(vocab_size, size.width)
        self.positions = nn.Embedding(size.seq_len, size.width)
        self.blocks = nn.ModuleList(Block(size.width, size.heads) for _ in range(size.layers))
        self.norm = nn.LayerNorm(size.width)
        self.lm_head = nn.Linear(size.width, vocab_size)
        self.role_head = nn.Linear(size.width, N_ROLES) if role_head else None
        self.entity_buckets, self.subnet_buckets = entity_buckets, subnet_buckets
        self.entities = nn.Embedding(entity_buckets + 1, size.width, padding_idx=0) \
            if entity_buckets else None
        self.subnets = nn.Embedding(subnet_buckets + 1, size.width, padding_idx=0) \
            if subnet_buckets else None
        for table in (self.entities, self.subnets):
            if table is not None:  # start as a small perturbation of the token embedding
                nn.init.normal_(table.weight, std=0.02)
                with torch.no_grad():
                    table.weight[0].zero_()

    @staticmethod
    def bucket(ids: torch.Tensor, buckets: int) -> torch.Tensor:
        """-1 (none) to 0; an id to 1 + id mod buckets (graphs have more nodes than rows)."""
        return torch.where(ids >= 0, 1 + ids.remainder(buckets), torch.zeros_like(ids))

    def forward(self, input_ids: torch.Tensor, entity: torch.Tensor | None = None,
                subnet: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        length = input_ids.shape[1]
        x = self.tokens(input_ids) + self.positions(torch.arange(length, device=input_ids.device))
        if self.entities is not None and entity is not None:
            x = x + self.entities(self.bucket(entity, self.entity_buckets))
        if self.subnets is not None and subnet is not None:
            x = x + self.subnets(self.bucket(subnet, self.subnet_buckets))
        for block in self.blocks:
            x = block(x)
        x = self.norm(x)
        roles = self.role_head(x) if self.role_head is not None else None
        return self.lm_head(x), roles


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
