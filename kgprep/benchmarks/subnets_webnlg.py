"""Seeded domains and communities of the subnets stage against WebNLG dev's categories."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

# Seed terms per WebNLG category, written by the kgprep team (lemmas, lower case). The category
# names themselves are added as seeds too.
WEBNLG_SEEDS = {
    "Airport": ["airport", "runway", "runway length", "runway name", "elevation", "city served",
                "airline", "aviation"],
    "Artist": ["artist", "musician", "singer", "guitar", "album", "record label", "genre",
               "band", "song", "music"],
    "Astronaut": ["astronaut", "apollo", "mission", "crew", "space", "test pilot", "nasa"],
    "Athlete": ["athlete", "footballer", "player", "striker", "defender", "goalkeeper",
                "youth club"],
    "Building": ["building", "architect", "floor", "floor count", "tenant", "address",
                 "skyscraper", "hotel", "tower"],
    "CelestialBody": ["planet", "asteroid", "orbit", "apoapsis", "periapsis", "orbital period",
                      "epoch", "discoverer", "escape velocity", "temperature"],
    "City": ["city", "town", "population", "mayor", "county", "municipality", "area code",
             "time zone"],
    "ComicsCharacter": ["comic", "character", "superhero", "alter ego", "creator", "comic book"],
    "Company": ["company", "founder", "revenue", "employee", "industry", "headquarters",
                "subsidiary", "product"],
    "Food": ["food", "dish", "ingredient", "cuisine", "dessert", "cheese", "sauce", "bacon",
             "main ingredient"],
    "MeanOfTransportation": ["car", "ship", "engine", "manufacturer", "transmission",
                             "automobile", "rocket", "launch", "vehicle", "body style"],
    "Monument": ["monument", "memorial", "sculpture", "statue", "dedication"],
    "Politician": ["politician", "president", "party", "office", "senator", "governor",
                   "minister", "election", "vice president"],
    "SportsTeam": ["team", "club", "stadium", "ground", "league", "manager", "season",
                   "chairman", "football club"],
    "University": ["university", "student", "academic staff", "campus", "dean", "rector",
                   "college", "affiliation"],
    "WrittenWork": ["book", "novel", "author", "publisher", "isbn", "writer", "oclc",
                    "literary genre", "journal"],
}


def _split_camel(name: str) -> str:
    import re

    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()


def read_webnlg(directory: Path) -> list[tuple[str, str, str]]:
    """(doc id, text, category) per WebNLG entry; the texts of an entry form one document."""
    import xml.etree.ElementTree as ET

    docs = []
    for path in sorted(directory.rglob("*.xml")):
        for entry in ET.parse(path).getroot().iter("entry"):
            texts = [lex.text.strip() for lex in entry.iter("lex") if lex.text]
            if texts:
                doc_id = f"{path.parent.name}-{path.stem}-{entry.get('eid')}"
                docs.append((doc_id, " ".join(texts), entry.get("category", "")))
    return docs


def _nmi_purity(labels: list[str], clusters: list[int]) -> tuple[float, float]:
    """Normalised mutual information (arithmetic mean of entropies) and purity."""
    import math
    from collections import Counter

    n = len(labels)
    joint = Counter(zip(labels, clusters, strict=True))
    by_label, by_cluster = Counter(labels), Counter(clusters)

    def entropy(counts: Counter) -> float:
        return -sum(c / n * math.log(c / n) for c in counts.values())

    mutual = sum(c / n * math.log(c * n / (by_label[a] * by_cluster[b]))
                 for (a, b), c in joint.items())
    denominator = (entropy(by_label) + entropy(by_cluster)) / 2
    nmi = mutual / denominator if denominator else 1.0
    purity = sum(max(c for (a, b), c in joint.items() if b == cluster)
                 for cluster in by_cluster) / n
    return nmi, purity


def _doc_subnets(work: Path) -> dict[str, list[int]]:
    """Each document's triples' subnetworks (the subnetwork of each triple's graph edge)."""
    from kgprep.core.io import read_parquet
    from kgprep.shards.annotate import load_lookup, triple_graph_ids
    from kgprep.storage.workdir import WorkDir

    lookup = load_lookup(WorkDir(str(work)))
    out: dict[str, list[int]] = {}
    for part in sorted((work / "extract").glob("part-*.parquet")):
        table = read_parquet(part, columns=["doc_id", "triples"])
        triples = table["triples"].combine_chunks()
        ids = triple_graph_ids(triples.flatten(), lookup) if len(triples.flatten()) else None
        offsets = triples.offsets.to_numpy()
        for d, doc_id in enumerate(table["doc_id"].to_pylist()):
            lo, hi = int(offsets[d]), int(offsets[d + 1])
            out[doc_id] = [int(x) for x in ids[lo:hi, 3] if x >= 0] if ids is not None else []
    return out


def _majority(subnets: list[int]) -> int:
    from collections import Counter

    if not subnets:
        return -1
    counts = Counter(subnets)
    return min(counts, key=lambda s: (-counts[s], s))


def bench_subnets(shared: Path, model: str, workers: int) -> bool:
    """Seeded domains and communities against WebNLG's categories."""
    import json
    import shutil

    from kgprep.core.config import parse_config
    from kgprep.core.io import read_parquet
    from kgprep.extract import run_extract
    from kgprep.graph import run_graph
    from kgprep.subnets import run_subnets

    docs = read_webnlg(shared / "data" / "webnlg" / "dev")
    category = {doc_id: cat for doc_id, _, cat in docs}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "webnlg.jsonl"  # evaluation only: never written into the project
        corpus.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t, _ in docs),
                          encoding="utf-8")
        domains = Path(tmp) / "domains.toml"
        domains.write_text("".join(
            f"{name} = {json.dumps([_split_camel(name), *seeds])}\n"
            for name, seeds in WEBNLG_SEEDS.items()), encoding="utf-8")
        started = time.perf_counter()
        base = {"name": "webnlg", "input": {"paths": [str(corpus)], "part_size": 400},
                "extract": {"spacy_model": model}, "run": {"workers": workers}}
        seeded_cfg = parse_config({**base, "work_dir": str(Path(tmp) / "seeded"),
                                   "subnets": {"domains_file": str(domains), "mode": "seeded"}},
                                  Path(tmp))
        run_extract(seeded_cfg)
        run_graph(seeded_cfg)
        run_subnets(seeded_cfg)
        shutil.copytree(Path(tmp) / "seeded", Path(tmp) / "communities")
        community_cfg = parse_config(
            {**base, "work_dir": str(Path(tmp) / "communities"),
             "subnets": {"mode": "communities", "max_cluster_size": 300,
                         "min_cluster_size": 3}}, Path(tmp))
        run_subnets(community_cfg)
        seconds = time.perf_counter() - started
        names = read_parquet(Path(tmp) / "seeded" / "subnets" / "subnets.parquet",
                             columns=["name"])["name"].to_pylist()
        seeded = {d: _majority(s) for d, s in _doc_subnets(Path(tmp) / "seeded").items()}
        communities = {d: _majority(s)
                       for d, s in _doc_subnets(Path(tmp) / "communities").items()}
    print(f"WebNLG dev: {len(docs):,} entries in {len(WEBNLG_SEEDS)} categories; pipeline "
          f"{seconds:.1f} s")
    print("  seeded domains (a document goes to the domain holding most of its triples):")
    print(f"  {'category':<22}{'docs':>6}{'assigned':>10}{'precision':>11}{'recall':>8}")
    precisions, recalls = [], []
    for subnet_id, name in enumerate(names):
        gold = {d for d, c in category.items() if c == name}
        predicted = {d for d, s in seeded.items() if s == subnet_id}
        hit = len(gold & predicted)
        p = hit / len(predicted) if predicted else 0.0
        r = hit / len(gold) if gold else 0.0
        precisions.append(p)
        recalls.append(r)
        print(f"  {name:<22}{len(gold):>6}{len(predicted):>10}{p:>11.3f}{r:>8.3f}")
    macro_p = sum(precisions) / len(precisions)
    macro_r = sum(recalls) / len(recalls)
    unassigned = sum(1 for s in seeded.values() if s < 0)
    print(f"  {'macro average':<22}{'':>6}{len(seeded) - unassigned:>10}{macro_p:>11.3f}"
          f"{macro_r:>8.3f}   ({unassigned} documents in no domain)")
    chance = max(sum(1 for c in category.values() if c == n) for n in names) / len(category)
    print(f"  baseline: the largest category alone holds {chance:.3f} of the documents")
    assigned = [d for d, c in communities.items() if c >= 0]
    nmi, purity = _nmi_purity([category[d] for d in assigned], [communities[d] for d in assigned])
    print(f"  communities: {len(set(communities[d] for d in assigned))} used, "
          f"{len(assigned):,} of {len(docs):,} documents placed; NMI {nmi:.3f}, "
          f"purity {purity:.3f}")
    return True
