"""``kgprep.loader``: stream kgprep shards into a PyTorch trainer (the ``[train]`` extra).

- ``ShardRows`` memory-maps every shard the manifest lists and reads rows by global index.
- ``KgprepDataset`` is an ``IterableDataset``: a deterministic permutation per (seed, epoch), split
  across distributed ranks, then across DataLoader workers in whole batches, so that the stream a
  rank sees does not depend on the worker count. It resumes mid-epoch exactly from
  ``state_dict()``.
- ``KgprepLoader`` wraps a ``DataLoader`` and counts what the trainer consumed, which is what a
  checkpoint must record when workers run in other processes.
- ``role`` in a batch is the shards' bit flags (subject 1, predicate 2, object 4; a token in
  several triples has several); ``role_targets`` turns it into three binary targets per token.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from kgprep.core.io import read_arrow_stream, read_json
from kgprep.shards.align import ROLE_FLAGS
from kgprep.storage.workdir import local_copy

try:
    import torch
    from torch.utils.data import DataLoader, IterableDataset, get_worker_info
except ImportError as exc:  # pragma: no cover - exercised only without torch
    raise ImportError("kgprep.loader needs torch: pip install 'kgprep[train]'") from exc

TOKEN_COLUMNS = ("input_ids", "role", "entity", "subnet", "loss_mask")
IGNORE_INDEX = -100
# The role flags in target order: role_targets(...)[..., k] is 1 where bit ROLE_BITS[k] is set.
ROLE_NAMES = tuple(ROLE_FLAGS)
ROLE_BITS = tuple(ROLE_FLAGS[name] for name in ROLE_NAMES)


def role_targets(role: torch.Tensor) -> torch.Tensor:
    """Per token, one float target per role flag (subject, predicate, object): shape
    ``role.shape + (3,)``, for a binary cross-entropy on three role logits."""
    bits = torch.tensor(ROLE_BITS, dtype=role.dtype, device=role.device)
    return ((role.unsqueeze(-1) & bits) != 0).float()


class ShardRows:
    """Rows of all shards in a manifest, memory-mapped, addressed by a global row index."""

    def __init__(self, shards_dir: str | Path):
        # A URL (s3://.../shards) is read from a local mirror pulled here: shards are mmapped.
        self.shards_dir = local_copy(shards_dir)
        self.manifest = read_json(self.shards_dir / "manifest.json")  # damage names the file
        self.packed = self.manifest["packing"] == "packed"
        self.pad_id = int(self.manifest["tokenizer"]["pad_id"])
        roles = self.manifest.get("roles", {})
        if any(roles.get(name) != bit for name, bit in ROLE_FLAGS.items()):
            raise ValueError(f"{self.shards_dir}: the manifest's roles {roles} are not the bit "
                             f"flags {ROLE_FLAGS}; rerun `kgprep shards` with this kgprep")
        self._batches: list[pa.RecordBatch] = []
        starts = [0]
        # The manifest is the commit point: shards it does not list are never read.
        for entry in self.manifest["shards"]:
            path = self.shards_dir / entry["file"]
            if path.stat().st_size != entry["bytes"]:
                raise ValueError(f"{path} is {path.stat().st_size} bytes, the manifest says "
                                 f"{entry['bytes']}: the shards were rewritten while read")
            for batch in read_arrow_stream(path).to_batches():
                self._batches.append(batch)
                starts.append(starts[-1] + batch.num_rows)
        self._starts = np.asarray(starts, dtype=np.int64)

    def __len__(self) -> int:
        return int(self._starts[-1])

    def row(self, index: int) -> dict[str, np.ndarray]:
        b = int(np.searchsorted(self._starts, index, side="right") - 1)
        batch = self._batches[b]
        i = index - int(self._starts[b])
        out = {}
        for name in TOKEN_COLUMNS:
            column = batch.column(name)
            if self.packed:
                size = column.type.list_size
                values = column.values.to_numpy(zero_copy_only=False)
                out[name] = values[i * size:(i + 1) * size]
            else:
                out[name] = column[i].values.to_numpy(zero_copy_only=False)
        out["n_tokens"] = np.int64(batch.column("n_tokens")[i].as_py())
        return out


def to_example(row: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """Tensors for one row; labels ignore padding and (by default) linearised markup."""
    input_ids = torch.from_numpy(row["input_ids"].astype(np.int64))
    loss_mask = torch.from_numpy(row["loss_mask"].astype(np.bool_))
    labels = input_ids.masked_fill(~loss_mask, IGNORE_INDEX)
    return {
        "input_ids": input_ids,
        "labels": labels,
        "role": torch.from_numpy(row["role"].astype(np.int64)),
        "entity": torch.from_numpy(row["entity"].astype(np.int64)),
        "subnet": torch.from_numpy(row["subnet"].astype(np.int64)),
        "loss_mask": loss_mask,
    }


class KgprepDataset(IterableDataset):
    """Rows of a shards directory as a deterministic, shardable, resumable stream.

    ``batch_size`` must match the DataLoader's: workers take whole batches in turn, which is
    what keeps the order the same for any number of workers.
    """

    def __init__(self, shards_dir: str | Path, *, batch_size: int = 1, shuffle: bool = True,
                 seed: int = 0, rank: int = 0, world_size: int = 1, drop_last: bool = False):
        if not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} is outside world_size {world_size}")
        self.rows = ShardRows(shards_dir)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.rank = rank
        self.world_size = world_size
        self.drop_last = drop_last
        self.epoch = 0
        self.position = 0  # rows of this epoch already consumed on this rank

    def rank_order(self) -> np.ndarray:
        """This rank's row indices for the current epoch, in order."""
        n = len(self.rows)
        if self.shuffle:
            order = np.random.default_rng([self.seed, self.epoch]).permutation(n)
        else:
            order = np.arange(n)
        if self.drop_last:
            order = order[: n - n % self.world_size]
        return order[self.rank::self.world_size]

    def __len__(self) -> int:
        return len(self.rank_order())

    def set_epoch(self, epoch: int) -> None:
        self.epoch, self.position = epoch, 0

    def state_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "position": self.position, "seed": self.seed,
                "rank": self.rank, "world_size": self.world_size, "rows": len(self.rows)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for key in ("seed", "world_size", "rows"):
            if state[key] != self.state_dict()[key]:
                raise ValueError(f"checkpoint {key}={state[key]} does not match this dataset "
                                 f"({key}={self.state_dict()[key]})")
        self.epoch, self.position = int(state["epoch"]), int(state["position"])

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        order = self.rank_order()[self.position:]
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        for chunk, start in enumerate(range(0, len(order), self.batch_size)):
            if chunk % workers != worker:
                continue
            for index in order[start:start + self.batch_size]:
                if info is None:
                    self.position += 1  # in-process iteration tracks itself
                yield to_example(self.rows.row(int(index)))


def collate_padded(pad_id: int) -> Any:
    """A collate function for the unpacked layout: pads rows to the longest in the batch."""

    def collate(items: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
        width = max(len(item["input_ids"]) for item in items)
        fill = {"input_ids": pad_id, "labels": IGNORE_INDEX, "role": 0, "entity": -1,
                "subnet": -1, "loss_mask": False}
        out = {}
        for name, value in fill.items():
            out[name] = torch.stack([
                torch.nn.functional.pad(item[name], (0, width - len(item[name])), value=value)
                if name != "loss_mask" else torch.cat([item[name], torch.zeros(
                    width - len(item[name]), dtype=torch.bool)])
                for item in items
            ])
        return out

    return collate


class KgprepLoader:
    """A DataLoader over a ``KgprepDataset`` that records what the trainer consumed."""

    def __init__(self, dataset: KgprepDataset, num_workers: int = 0, **kwargs: Any):
        self.dataset = dataset
        collate = None if dataset.rows.packed else collate_padded(dataset.rows.pad_id)
        self._loader = DataLoader(dataset, batch_size=dataset.batch_size,
                                  num_workers=num_workers, collate_fn=collate, **kwargs)
        self._in_process = num_workers == 0

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        for batch in self._loader:
            if not self._in_process:
                self.dataset.position += len(batch["input_ids"])
            yield batch
        self.dataset.set_epoch(self.dataset.epoch + 1)

    def __len__(self) -> int:
        remaining = len(self.dataset) - self.dataset.position
        return -(-remaining // self.dataset.batch_size)

    def state_dict(self) -> dict[str, Any]:
        return self.dataset.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.dataset.load_state_dict(state)
