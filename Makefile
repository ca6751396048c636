# ethwasm build entry points. `make demo` and `make test` are the two set-up commands.
.PHONY: build host plugins lock test test-crosscheck test-cluster demo bench docs fmt lint ci clean

CARGO ?= cargo
CHART ?= charts/ethereum


build: host plugins lock

host:
	$(CARGO) build --release --locked -p ethwasm

plugins:
	scripts/build-plugins.sh

# The chart's pins change with every plugin build: refresh them from what was just built.
lock: host plugins
	target/release/ethwasm chart lock $(CHART)

test: build
	$(CARGO) test --workspace --locked
	bash tests/pos/run.sh
	bash tests/lodestar/run.sh

# Proof-of-stake keys and genesis, as rendered, against independent implementations: from PyPI
# (py_ecc, the executable consensus specs, py-trie, rlp, ethstaker-deposit) in target/pos-venv,
# and an independent consensus client from npm (Lodestar's state transition drives the rendered
# network to finality; EthereumJS executes its blocks) in tests/lodestar/node_modules.
test-crosscheck: build
	bash tests/pos/run.sh
	bash tests/lodestar/run.sh

# The real-cluster tests against a local Kubernetes API server (../shared/k8s), started and
# stopped around them.
test-cluster: build
	scripts/test-cluster.sh

demo: build
	target/release/ethwasm render $(CHART)

bench: build
	$(CARGO) build --release --locked -p fake-apiserver --bin fake-apiserver
	python3 scripts/bench.py
	python3 scripts/bench_pos.py
	python3 scripts/bench_oci.py
	$(CARGO) bench --locked -p ethwasm-tests --bench deploy

# The book (docs/, mdBook) into target/book, then its links, anchors, commands and flags
# checked against the built binary (scripts/check-docs.py), and its examples run
# (scripts/run-doc-examples.py: blocks marked `run`; the others say why not). mdBook comes
# from crates.io, pinned.
MDBOOK_VERSION ?= 0.4.52
docs: host
	@command -v mdbook >/dev/null && mdbook --version | grep -q "v$(MDBOOK_VERSION)" || \
		$(CARGO) install mdbook --version $(MDBOOK_VERSION) --no-default-features --locked
	mdbook build docs
	python3 scripts/check-docs.py
	python3 scripts/run-doc-examples.py

fmt:
	$(CARGO) fmt --all

lint:
	python3 scripts/check-layers.py
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

clean:
	rm -rf target
