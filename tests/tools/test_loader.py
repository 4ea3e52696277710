"""kgprep.loader: sharding across ranks and workers, determinism, exact resumption, training."""

from __future__ import annotations

import shutil

import pytest

torch = pytest.importorskip("torch")

from kgprep.cli import main  # noqa: E402
from kgprep.loader import (  # noqa: E402
    IGNORE_INDEX,
    KgprepDataset,
    KgprepLoader,
    ShardRows,
    role_targets,
)
from kgprep.train_smoke import train, went_down  # noqa: E402
from tests.conftest import sample_pipeline  # noqa: E402


@pytest.fixture(scope="module")
def short_rows(sample_run, tmp_path_factory):
    """The sample shards re-cut into 64-token rows, for enough rows to split."""
    tmp = tmp_path_factory.mktemp("short_rows")
    shutil.copytree(sample_run, tmp / "work")
    shutil.rmtree(tmp / "work" / "shards")
    assert main(["shards", str(sample_pipeline(tmp, shards="seq_len = 64"))]) == 0
    return tmp / "work" / "shards"


def rows_of(loader) -> list[tuple[int, ...]]:
    return [tuple(row.tolist()) for batch in loader for row in batch["input_ids"]]


def test_examples_have_every_tensor(short_rows):
    dataset = KgprepDataset(short_rows, batch_size=4, shuffle=False)
    batch = next(iter(KgprepLoader(dataset)))
    assert set(batch) == {"input_ids", "labels", "role", "entity", "subnet", "loss_mask"}
    assert batch["input_ids"].shape == (4, 64) and batch["input_ids"].dtype == torch.int64
    last = list(KgprepLoader(KgprepDataset(short_rows, batch_size=1, shuffle=False)))[-1]
    n_tokens = int(last["loss_mask"].sum())
    assert (last["labels"][0, n_tokens:] == IGNORE_INDEX).all()
    assert (last["labels"][0, :n_tokens] == last["input_ids"][0, :n_tokens]).all()


def test_role_flags_become_three_binary_targets():
    role = torch.tensor([[0, 1, 2, 4, 5, 7]])
    targets = role_targets(role)
    assert targets.shape == (1, 6, 3) and targets.dtype == torch.float32
    assert targets[0].tolist() == [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1],
                                   [1, 1, 1]]


def test_shards_with_the_old_role_codes_are_refused(short_rows, tmp_path):
    import json

    shutil.copytree(short_rows, tmp_path / "shards")
    manifest = json.loads((tmp_path / "shards" / "manifest.json").read_text())
    assert manifest["roles"] == {"none": 0, "subject": 1, "predicate": 2, "object": 4}
    assert len(ShardRows(tmp_path / "shards")) > 0
    manifest["roles"] = {"none": 0, "subject": 1, "predicate": 2, "object": 3}
    (tmp_path / "shards" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="bit flags"):
        ShardRows(tmp_path / "shards")


def test_ranks_and_workers_cover_every_row_once(short_rows):
    total = len(KgprepDataset(short_rows, shuffle=False))
    seen = []
    for rank in range(2):
        dataset = KgprepDataset(short_rows, batch_size=3, seed=7, rank=rank, world_size=2)
        seen += rows_of(KgprepLoader(dataset, num_workers=2))
    everything = rows_of(KgprepLoader(KgprepDataset(short_rows, batch_size=5, shuffle=False)))
    assert len(seen) == total == len(everything)
    assert sorted(seen) == sorted(everything)


def test_order_does_not_depend_on_worker_count_and_follows_the_seed(short_rows):
    def order(workers, seed=3):
        return rows_of(KgprepLoader(KgprepDataset(short_rows, batch_size=4, seed=seed),
                                    num_workers=workers))

    assert order(0) == order(2) == order(3)
    assert order(0) != order(0, seed=4)
    assert sorted(order(0)) == sorted(order(0, seed=4))


def test_epochs_reshuffle(short_rows):
    loader = KgprepLoader(KgprepDataset(short_rows, batch_size=4, seed=1))
    first, second = rows_of(loader), rows_of(loader)
    assert first != second and sorted(first) == sorted(second)


@pytest.mark.parametrize("workers", [0, 2])
def test_mid_epoch_resumption_is_exact(short_rows, workers):
    reference = rows_of(KgprepLoader(KgprepDataset(short_rows, batch_size=4, seed=5)))
    loader = KgprepLoader(KgprepDataset(short_rows, batch_size=4, seed=5), num_workers=workers)
    consumed = []
    for i, batch in enumerate(loader):
        consumed += [tuple(r.tolist()) for r in batch["input_ids"]]
        if i == 2:
            state = loader.state_dict()
            break
    assert state["position"] == 12
    resumed = KgprepLoader(KgprepDataset(short_rows, batch_size=4, seed=5), num_workers=workers)
    resumed.load_state_dict(state)
    assert consumed + rows_of(resumed) == reference


def test_state_from_another_seed_is_refused(short_rows):
    state = KgprepDataset(short_rows, seed=1).state_dict()
    with pytest.raises(ValueError, match="seed"):
        KgprepDataset(short_rows, seed=2).load_state_dict(state)


def test_cpu_training_smoke_both_losses_go_down(sample_run, capsys):
    lm, role = train(sample_run / "shards", steps=24, batch_size=4, device_name="cpu",
                     log_every=8)
    assert went_down(lm) and went_down(role)
    assert "lm_loss" in capsys.readouterr().out
