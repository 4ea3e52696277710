"""Rows from annotated documents: packed into fixed rows of ``seq_len`` tokens or one document a
row, made an Arrow table, cut into shards by size and written as uncompressed IPC streams."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kgprep.core.io import atomic_open
from kgprep.core.schemas import ROW_DOC, ROW_TRIPLE
from kgprep.shards.align import ROLE_NONE
from kgprep.shards.annotate import DocTokens, row_roles


def _triple_structs(doc: DocTokens, keep: np.ndarray, shift: int) -> list[dict[str, Any]]:
    rows = []
    for t in np.flatnonzero(keep):
        s = doc.spans[t] - shift
        rows.append({
            "subj_start": int(s[0]), "subj_end": int(s[1]), "pred_start": int(s[2]),
            "pred_end": int(s[3]), "obj_start": int(s[4]), "obj_end": int(s[5]),
            "subj_node": int(doc.ids_info[t, 0]), "relation_id": int(doc.ids_info[t, 1]),
            "obj_node": int(doc.ids_info[t, 2]), "subnet": int(doc.ids_info[t, 3]),
            "negated": bool(doc.negated[t]), "confidence": float(doc.confidence[t]),
            "triple_index": int(doc.triple_index[t]),
        })
    return rows



def pack_rows(docs: list[DocTokens], seq_len: int, eos_id: int, pad_id: int
              ) -> tuple[dict[str, Any], dict[str, int]]:
    """Concatenate documents with EOS between them and cut fixed rows of ``seq_len`` tokens.

    A triple that crosses a row boundary is dropped from the row, and so are its annotations:
    text tokens' roles are painted again from the triples each row keeps, and a text token that
    no kept triple covers has no entity or subnet either.
    """
    parts_ids, parts_role, parts_entity, parts_subnet, parts_loss = [], [], [], [], []
    doc_ranges: list[tuple[str, int, int]] = []
    pos = 0
    for doc in docs:
        n = len(doc.ids)
        doc_ranges.append((doc.doc_id, pos, pos + n))
        parts_ids += [doc.ids, np.array([eos_id], np.uint32)]
        parts_role += [doc.role, np.zeros(1, np.uint8)]
        parts_entity += [doc.entity, np.full(1, -1, np.int32)]
        parts_subnet += [doc.subnet, np.full(1, -1, np.int16)]
        parts_loss += [doc.loss_mask, np.ones(1, np.uint8)]
        pos += n + 1
    total = pos
    n_rows = -(-total // seq_len) if total else 0
    padded = n_rows * seq_len
    ids = np.full(padded, pad_id, np.uint32)
    role = np.zeros(padded, np.uint8)
    entity = np.full(padded, -1, np.int32)
    subnet = np.full(padded, -1, np.int16)
    loss_mask = np.zeros(padded, np.uint8)
    if total:
        loss_mask[:total] = np.concatenate(parts_loss)
        ids[:total] = np.concatenate(parts_ids)
        role[:total] = np.concatenate(parts_role)
        entity[:total] = np.concatenate(parts_entity)
        subnet[:total] = np.concatenate(parts_subnet)
    row_triples: list[list[dict[str, Any]]] = [[] for _ in range(n_rows)]
    row_docs: list[list[dict[str, Any]]] = [[] for _ in range(n_rows)]
    dropped = 0
    kept_spans: list[np.ndarray] = []
    for doc, (doc_id, start, end) in zip(docs, doc_ranges, strict=True):
        for r in range(start // seq_len, (max(end, start + 1) - 1) // seq_len + 1):
            a, b = max(start, r * seq_len), min(end, (r + 1) * seq_len)
            if a < b:
                row_docs[r].append({"doc_id": doc_id, "start": a - r * seq_len,
                                    "end": b - r * seq_len})
        if len(doc.spans) == 0:
            continue
        glob = doc.spans + start
        first_row = glob[:, [0, 2, 4]].min(axis=1) // seq_len
        last_row = (glob[:, [1, 3, 5]].max(axis=1) - 1) // seq_len
        inside = first_row == last_row
        dropped += int((~inside).sum())
        kept_spans.append(glob[inside])
        for r in np.unique(first_row[inside]):
            keep = inside & (first_row == r)
            row_triples[int(r)].extend(_triple_structs(doc, keep, int(r) * seq_len - start))
    # Kept triples lie inside one row each, so painting the whole stream paints each row.
    text = loss_mask == 1
    spans = np.concatenate(kept_spans) if kept_spans else np.zeros((0, 6), np.int64)
    role = np.where(text, row_roles(padded, spans), role).astype(np.uint8)
    bare = text & (role == ROLE_NONE)
    entity[bare] = -1
    subnet[bare] = -1
    # The token columns are 2-D arrays (one row a row), the nested ones lists.
    columns: dict[str, Any] = {
        "input_ids": ids, "role": role, "entity": entity, "subnet": subnet,
        "loss_mask": loss_mask, "triples": row_triples, "docs": row_docs,
        "n_tokens": [min(seq_len, total - r * seq_len) for r in range(n_rows)],
    }
    return columns, {"rows": n_rows, "tokens": total, "dropped_at_boundary": dropped,
                     "triples": sum(len(t) for t in row_triples)}



def unpacked_rows(docs: list[DocTokens], eos_id: int) -> tuple[dict[str, list[Any]],
                                                               dict[str, int]]:
    """One document a row, EOS appended, with variable-length list columns."""
    cols: dict[str, list[Any]] = {k: [] for k in ("input_ids", "role", "entity", "subnet",
                                                  "loss_mask", "triples", "docs", "n_tokens")}
    for doc in docs:
        n = len(doc.ids)
        cols["input_ids"].append(np.append(doc.ids, np.uint32(eos_id)))
        cols["role"].append(np.append(doc.role, np.uint8(0)))
        cols["entity"].append(np.append(doc.entity, np.int32(-1)))
        cols["subnet"].append(np.append(doc.subnet, np.int16(-1)))
        cols["loss_mask"].append(np.append(doc.loss_mask, np.uint8(1)))
        cols["triples"].append(_triple_structs(doc, np.ones(len(doc.spans), bool), 0))
        cols["docs"].append([{"doc_id": doc.doc_id, "start": 0, "end": n}])
        cols["n_tokens"].append(n + 1)
    stats = {"rows": len(docs), "tokens": sum(cols["n_tokens"]), "dropped_at_boundary": 0,
             "triples": sum(len(t) for t in cols["triples"])}
    return cols, stats



def rows_to_table(cols: dict[str, Any], schema: pa.Schema, seq_len: int, packing: str
                  ) -> pa.Table:
    arrays = []
    for name in ("input_ids", "role", "entity", "subnet", "loss_mask"):
        dtype = schema.field(name).type.value_type
        if packing == "packed":
            arrays.append(pa.FixedSizeListArray.from_arrays(pa.array(cols[name], dtype), seq_len))
        else:
            arrays.append(pa.array([a.tolist() for a in cols[name]], pa.list_(dtype)))
    arrays.append(pa.array(cols["triples"], pa.list_(ROW_TRIPLE)))
    arrays.append(pa.array(cols["docs"], pa.list_(ROW_DOC)))
    arrays.append(pa.array(cols["n_tokens"], pa.int32()))
    return pa.Table.from_arrays(arrays, schema=schema)



def write_stream(path: Path, table: pa.Table, batch_rows: int = 1024) -> bool:
    """Arrow IPC *stream* format, uncompressed, so datasets.Dataset.from_file can memory-map it.

    An existing file with the same bytes is left alone (returns False), so an incremental rerun
    touches only the shards whose content changed.
    """
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        for batch in table.to_batches(max_chunksize=batch_rows):
            writer.write_batch(batch)
    data = sink.getvalue().to_pybytes()
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return False
    with atomic_open(path) as fh:
        fh.write(data)
    return True



def row_bytes(table: pa.Table) -> np.ndarray:
    """Approximate bytes of each row in the IPC stream, for cutting shards by size."""
    fixed = np.zeros(table.num_rows, np.int64)
    for name in ("input_ids", "role", "entity", "subnet", "loss_mask"):
        column = table[name].combine_chunks()
        width = column.type.value_type.bit_width // 8
        lengths = (pc.list_value_length(column).to_numpy(zero_copy_only=False)
                   if not pa.types.is_fixed_size_list(column.type)
                   else np.full(table.num_rows, column.type.list_size))
        fixed += lengths * width
    triples = pc.list_value_length(table["triples"]).to_numpy(zero_copy_only=False)
    docs = pc.list_value_length(table["docs"]).to_numpy(zero_copy_only=False)
    return fixed + triples * ROW_TRIPLE_BYTES + docs * 48 + 4



ROW_TRIPLE_BYTES = 4 * 10 + 2 + 1 + 4



def cut_by_bytes(row_bytes: np.ndarray, limit: int) -> list[tuple[int, int]]:
    """Contiguous row ranges of at most ``limit`` bytes each (at least one row per range)."""
    ranges: list[tuple[int, int]] = []
    start, size = 0, 0
    for i, b in enumerate(row_bytes.tolist()):
        if i > start and size + b > limit:
            ranges.append((start, i))
            start, size = i, 0
        size += b
    if start < len(row_bytes) or not ranges:
        ranges.append((start, len(row_bytes)))
    return ranges



def shard_name(part: int, piece: int) -> str:
    return f"shard-{part:05d}-{piece:03d}.arrow"
