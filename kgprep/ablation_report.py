"""The report's "Measured efficiency" section, from ``<work_dir>/ablation/results.json``.

It shows the ablation's held-out loss curves and factors beside the cost model's assumed 0.6-0.8,
one row per variant with a plain verdict (and says when a difference is within the seed-to-seed
spread), or a note that nothing was measured yet. Self-contained: the report calls one function.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

from kgprep.cost import measured_efficiency

FIGURES = (("curves", "held-out loss against training tokens, every variant"),
           ("efficiency", "measured efficiency factor per variant beside the assumed 0.6-0.8"))


def _fmt(value: float | None, spec: str = ".3f") -> str:
    return "n/a" if value is None else format(value, spec)


def _factor_cell(entry: dict[str, Any]) -> str:
    if entry["efficiency_factor"] is None:
        return (f"not reached ({entry['seeds_reaching_baseline']}/{entry['seeds']} seeds); "
                "&gt; 1")
    spread = entry["efficiency_spread"]
    return f"{entry['efficiency_factor']:.3f}" + (f" ± {spread:.3f}" if spread else "")


def _verdict(name: str, entry: dict[str, Any]) -> str:
    if name == "baseline":
        return "reference"
    if entry["efficiency_factor"] is None:
        return "no saving measured"
    if entry["within_seed_spread"]:
        return "within the seed-to-seed spread: not a measured difference"
    return "fewer tokens than the baseline" if entry["efficiency_factor"] < 1 else \
        "more tokens than the baseline"


def ablation_section(work: Path) -> str:
    """The HTML section (an ``<h2>`` and what follows) for the report."""
    path = work / "ablation" / "results.json"
    if not path.is_file():
        return ("<h2>Measured efficiency</h2><p class=\"note\">Not measured for this pipeline: "
                "<code>kgprep ablate PIPELINE</code> trains matched small models with and "
                "without the knowledge and writes ablation/results.json; until then the cost "
                "above rests on the assumed factor.</p>")
    results = json.loads(path.read_text(encoding="utf-8"))
    images = []
    for name, alt in FIGURES:
        png = path.parent / f"{name}.png"
        if png.is_file():
            data = base64.b64encode(png.read_bytes()).decode("ascii")
            images.append(f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">')
    rows = []
    for name in results["variant_order"]:
        entry = results["variants"][name]
        probe = entry["probe"]
        rows.append(
            f"<tr><td>{html.escape(name)}</td><td>{_factor_cell(entry)}</td>"
            f"<td>{entry['final_heldout_loss']:.3f} ± {entry['final_heldout_loss_std']:.3f}</td>"
            f"<td>{_fmt(probe['train']['mrr'])} / {_fmt(probe['heldout']['mrr'])}</td>"
            f"<td>{html.escape(_verdict(name, entry))}</td></tr>")
    best = measured_efficiency(results, "ablation/results.json")
    size = results["size"]
    return f"""<h2>Measured efficiency</h2>
<p class="note">kgprep ablate: {size['seeds']} seeds per variant, {results['budget_tokens']:,}
training tokens each, a {size['layers']}-layer, width-{size['width']} transformer, on
{results['split']['train_documents']:,} training documents; the held-out loss is on
{results['split']['heldout_documents']:,} other documents' text ({results['device']},
{results['wall_seconds']:.0f} s).</p>
<div class="grid">{''.join(images)}</div>
<table><tr><th>variant</th><th>efficiency factor</th><th>final held-out loss</th>
<th>fact probe MRR (train / held-out docs)</th><th>verdict</th></tr>{''.join(rows)}</table>
<p class="note">The cost model assumes 0.6-0.8. {html.escape(best.note())}.</p>"""
