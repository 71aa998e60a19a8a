# The two commands of the README. Each installs what is missing (Debian packages), builds in
# build/, and runs its job.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: demo test build deps deps-test bench load clean

# The default build includes the tests and benchmarks, so the demo installs their packages too.
demo: deps-test build
	$(BUILD)/callagent demo

test: deps-test build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

build:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

deps:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

# Google Benchmark micro-benchmarks, one run each.
bench: deps-test build
	@for b in $(BUILD)/bench/bench_*; do echo "== $$b"; $$b; done

# The pinned 1000-call load run of bench/RESULTS.md.
load: deps-test build
	scripts/load-run.sh

clean:
	rm -rf $(BUILD)
