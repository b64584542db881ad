# PrefLab. The two set-up commands: `make serve` and `make test` (see README).
SHELL := /bin/bash
SWIFT ?= swift
FUZZ_SECONDS ?= 60
PREFLAB_DATABASE ?= sqlite:data/preflab.sqlite

.PHONY: deps build serve test test-portable test-tsan check-api check-deploy check-hf e2e fuzz bench bench-hf bench-http bench-ingest bench-policy bench-runs bench-rl bench-eval bench-workers bench-import soak clean

deps:
	@scripts/deps.sh

## The release binary, stamped with `git describe` (preflab --version, preflab_build_info).
build: deps
	$(SWIFT) build -c release --product preflab $$(scripts/build-stamp.sh)

## Runs the service on the embedded SQLite store under ./data.
serve: build
	@mkdir -p data
	.build/release/preflab serve --database "$(PREFLAB_DATABASE)"

## Every test, PostgreSQL included (a throwaway server is started and stopped), then test-portable.
test: deps
	scripts/check-imports.sh
	scripts/check-self-contained.sh
	$(SWIFT) build --build-tests
	CI=$${CI:-true} scripts/with-postgres.sh $(SWIFT) test --skip-build
	$(MAKE) test-portable

## The Tensor and Policy suites again on OpenBLAS's AVX2 kernels, so a machine with AVX-512 fails where an
## AVX2-only one would (a test must not depend on the kernel set). Uses the build of `make test`.
test-portable:
	OPENBLAS_CORETYPE=Haswell $(SWIFT) test --skip-build --filter 'TensorTests|PolicyTests'

## The same tests under ThreadSanitizer, in a separate build folder.
test-tsan: deps
	CI=$${CI:-true} scripts/with-postgres.sh $(SWIFT) test --sanitize=thread --scratch-path .build-tsan

## openapi.yaml is valid OpenAPI 3.1, and a live server conforms to it (schemathesis).
check-api: deps
	scripts/check-api.sh

## Deploy/ without a container engine (hadolint, Kubernetes and compose schemas, systemd-analyze verify), then the
## topology test: PostgreSQL, migrate, API and two workers as processes, end to end with a worker killed -9.
check-deploy: deps
	scripts/check-deploy.sh

## Hugging Face GPT-2 import/export and the BPE tokenizer against transformers and tokenizers (a venv outside the repo).
check-hf: deps
	scripts/check-hf.sh

## The annotation page in headless Chromium (Debian's chromium + chromium-driver, installed when missing).
e2e: deps
	scripts/e2e-annotate.sh

## libFuzzer on the HTTP/1.1 parser, the JSON reader and the safetensors reader, FUZZ_SECONDS each
## (a crash, hang, leak or broken invariant fails).
fuzz: deps
	scripts/fuzz.sh $(FUZZ_SECONDS)

bench: bench-http bench-ingest bench-policy bench-runs bench-workers

## wrk against our server (and Hummingbird when HB_ANCHOR_BIN is set); prints JSON lines.
bench-http: deps
	Benchmarks/bench-http.sh

## One server (256-descriptor limit) under 5,000 silent connections, 64 SSE streams, 32 slow weight readers
## and 64 API clients for SOAK_SECONDS (60; ~90 s in all, not in `make test`); prints JSON lines.
soak: deps
	scripts/soak.sh

## wrk posting single preferences into PostgreSQL and SQLite, beside pgbench and SQLite one-row commits.
bench-ingest: deps
	Benchmarks/bench-ingest.sh

## DPO-shaped training step and KV-cached sampling, beside PyTorch eager with the same shapes.
bench-policy: deps
	Benchmarks/bench-policy.sh

## The README walkthrough over the runs API: win rates, exploitability and time per iteration per algorithm
## (RUNS_SEEDS=1,2,3: each seed trains its own reference; the table gives mean and range over seeds).
RUNS_SEEDS ?= 1,2,3
bench-runs: deps
	Benchmarks/bench-runs.sh --seeds $(RUNS_SEEDS)

## One evaluation (64 prompts × 8 samples, L4 D128, oracle judge): seconds, split by phase.
bench-eval: deps
	Benchmarks/bench-eval.sh

## A streamed preference import of IMPORT_MB (500) of UltraFeedback-style JSONL: seconds and the server's peak RSS.
bench-import: deps
	Benchmarks/bench-import.sh

## GPT-2 small (124M, random weights made offline) through the API: import, generate, score, DPO; seconds and peak RSS.
bench-hf: deps
	Benchmarks/bench-hf.sh

bench-rl: deps
	Benchmarks/bench-rl.sh --seeds $(RUNS_SEEDS)

## Scoring throughput (items/s) over the in-process pool and 1 and 2 `preflab worker` processes on a throwaway
## PostgreSQL, and the per-shard overhead in ms; prints JSON lines.
bench-workers: deps
	Benchmarks/bench-workers.sh

clean:
	rm -rf .build .build-* data
