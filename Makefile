# The two commands a new user runs (README.md): `make demo` and `make test`.
# Both install what is missing first (scripts/install-deps), so they work on a fresh machine.

SWIFT ?= swift

.PHONY: deps build demo test lint install bench bench-validate bench-emulator bench-remote bench-apply clean

deps:
	@scripts/install-deps

build: deps
	$(SWIFT) build

# The main job: apply the demo manifest against the in-process emulator (its state and the
# lockfile go under manifests/.assetform/, ignored by git). Run it twice: the second run has
# nothing to do.
demo: build
	$(SWIFT) run assetform apply manifests/demo.yaml --emulate --auto-approve

test: deps lint
	scripts/volc-venv
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	scripts/bench/run.py --smoke
	scripts/install-check

# The release binary (the Swift runtime and libyaml linked statically), its man page, bash/zsh/fish
# completions and the manifest's JSON Schema, into PREFIX (default /usr/local).
PREFIX ?= /usr/local
install: deps
	scripts/static-yaml-pc .build-tools/pkgconfig
	PKG_CONFIG_PATH=$(CURDIR)/.build-tools/pkgconfig $(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-install --product assetform
	SWIFT=$(SWIFT) scripts/install $(PREFIX) .build-install/release/assetform .build-install/checkouts/swift-argument-parser .build-tools

# Every benchmark of BENCHMARKS.md in one run (release binaries, Swift runtime linked statically).
bench: deps
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-bench --product assetform
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-bench --product assetform-bench
	scripts/bench/run.py

# Formatting, as .swift-format says (swift format ships with the toolchain).
lint:
	$(SWIFT) format lint --strict -r Sources Tests Package.swift

# Times `assetform validate` against a bare libyaml event loop and PyYAML's C loader.
bench-validate: deps
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-bench
	scripts/bench/validate.py

# Requests per second the emulator sustains with throttling off (needs wrk: apt-get install wrk).
bench-emulator: deps
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-bench --product assetform
	scripts/bench/emulator-load.sh .build-bench/release/assetform 10 32

# The call policy against the in-process emulator: a paced rate, and unthrottled throughput
# against the emulator's raw capacity measured in the same run.
bench-remote: deps
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-bench --product assetform-bench
	.build-bench/release/assetform-bench

# apply against an emulator process: 2,000 creates at create_asset 200/s, unthrottled with 32 in
# flight against the emulator's raw capacity, CPU time per action, and peak memory of a
# 100,000-asset apply with --no-wait.
bench-apply: deps
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-bench --product assetform
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-bench --product assetform-bench
	scripts/bench/apply.py

clean:
	rm -rf .build .build-bench scripts/bench/out
