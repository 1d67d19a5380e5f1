# Cascade — thin wrappers around SwiftPM. Every target spells its flags out long-form so
# the commands can be copied into a terminal as they are.
#
#   make run [WORLD=<name|path>] [SEED=<n>]   build (release), then run a world
#   make test                                  the whole test suite
#   make sweep [SWEEP=worlds/sweeps/<name>.json] [JOBS=2]
#                                              a sweep file into out/sweeps/<name>/ (resumes)
#   make stress [STRESS=worlds/stress/<name>.json] [JOBS=2]
#                                              a stress battery into out/stress/<name>/ (resumes)
#   make bench                                 performance figures (docs/performance.md)
#   make lint / make fmt                       formatting and determinism checks / fixes
#   make reproduce [SEEDS=100] [JOBS=2]        the historical worlds over many seeds → docs/validation.md
#   make reproduce-stress [JOBS=2]             every bundled stress battery → docs/stress.md's tables

SWIFT ?= swift
WORLD ?= $(DEFAULT_WORLD)
SEED ?=
DEFAULT_WORLD := black-thursday-2020
CASCADE := .build/release/cascade
# Release builds optimise the program whole: link-time optimisation over every module and
# cross-module optimisation, 12% fewer instructions in the world bench and byte-identical
# outputs (docs/performance.md). On Linux the Swift runtime and Foundation are linked in
# (`--static-swift-stdlib`, from the toolchain): their calls go direct instead of through
# the dynamic linker's tables (2-3% faster on the world bench), and the binary runs on a
# host without the toolchain (macOS ships the runtime with the system). The price is the
# link: about 90 s after any change instead of 25 s. `make run RELEASE_FLAGS=` builds
# without them for quick iteration.
STATIC_RUNTIME := $(if $(filter Linux,$(shell uname -s)),--static-swift-stdlib)
RELEASE_FLAGS ?= --experimental-lto-mode=full -Xswiftc -cross-module-optimization \
	$(STATIC_RUNTIME)
SIMULATION_SOURCES := Sources/CascadeKernel Sources/CascadeCore Sources/CascadeChain \
	Sources/CascadeContracts Sources/CascadeAgents Sources/CascadeWorld Sources/CascadeRun

.PHONY: build run test bench lint fmt clean reproduce reproduce-stress sweep stress

build:
	$(SWIFT) build --configuration release $(RELEASE_FLAGS) --product cascade

run: build
	$(CASCADE) run $(WORLD) $(if $(SEED),--seed $(SEED))

test:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# docs/validation.md's tables: each historical world and sensitivity variant over seeds
# 1..SEEDS, written into the page (one `cascade sweep` per variant); Maker's first, then
# the lending worlds' (.ci/reproduce-lending.sh, .ci/reproduce-compound.sh,
# .ci/reproduce-venus.sh) and the perpetuals' (.ci/reproduce-perps.sh, .ci/reproduce-mango.sh,
# .ci/reproduce-adl.sh), each between its own markers.
SEEDS ?= 100
JOBS ?= 2
reproduce: build
	CASCADE=$(CASCADE) .ci/reproduce.sh $(SEEDS) $(JOBS)
	CASCADE=$(CASCADE) .ci/reproduce-lending.sh $(SEEDS) $(JOBS)
	CASCADE=$(CASCADE) .ci/reproduce-compound.sh $(SEEDS) $(JOBS)
	CASCADE=$(CASCADE) .ci/reproduce-venus.sh $(SEEDS) $(JOBS)
	CASCADE=$(CASCADE) .ci/reproduce-perps.sh $(SEEDS) $(JOBS)
	CASCADE=$(CASCADE) .ci/reproduce-mango.sh $(SEEDS) $(JOBS)
	CASCADE=$(CASCADE) .ci/reproduce-adl.sh $(SEEDS) $(JOBS)

# A study of worlds/sweeps/ (docs/sweeps.md): runs.csv, points.csv and report.html in
# out/sweeps/<name>/. Interrupted? Run the same command again: it resumes.
SWEEP ?= worlds/sweeps/black-thursday-flipper.json
SWEEP_OUT ?= out/sweeps/$(basename $(notdir $(SWEEP)))
sweep: build
	$(CASCADE) sweep $(SWEEP) --jobs $(JOBS) --out $(SWEEP_OUT)

# A stress battery of worlds/stress/ (docs/stress.md): runs.csv, scorecard.json,
# scorecard.html and scorecard.md in out/stress/<name>/. Interrupted? Run the same command
# again: it resumes.
STRESS ?= worlds/stress/black-thursday.json
STRESS_OUT ?= out/stress/$(basename $(notdir $(STRESS)))
stress: build
	$(CASCADE) stress $(STRESS) --jobs $(JOBS) --out $(STRESS_OUT)

# docs/stress.md's scorecards: every battery of worlds/stress/ over its own seeds, each
# table written between the page's markers (.ci/reproduce-stress.sh).
reproduce-stress: build
	CASCADE=$(CASCADE) .ci/reproduce-stress.sh $(JOBS)

bench:
	$(SWIFT) build --configuration release $(RELEASE_FLAGS) --product cascade-bench
	.build/release/cascade-bench

# Formatting (swift format ships with the toolchain) and the determinism rules of
# docs/determinism.md that a grep can check: no wall clock and no system randomness in
# simulation code, and no kernel or Foundation inside the contracts.
lint:
	$(SWIFT) format lint --strict --recursive --parallel Package.swift Sources Tests
	.ci/check-determinism.sh $(SIMULATION_SOURCES)

fmt:
	$(SWIFT) format format --in-place --recursive --parallel Package.swift Sources Tests

clean:
	rm -rf .build out
