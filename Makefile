# The README's two commands: `make demo` and `make test`. Both install what is
# missing (scripts/install-deps.sh, idempotent), build, then run.
BUILD ?= build
CMAKE_FLAGS ?= -DTENET_SANITIZE=ON
JOBS ?= $(shell nproc)

.PHONY: all deps build test demo clean format bench bench-quick bench-build

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure --timeout 600

demo: build
	./scripts/demo.sh $(BUILD)

# Benchmarks (bench/run.sh, docs/BENCHMARKS.md): a separate, non-sanitized
# release build, configured every time so its flags cannot drift.
BENCH_BUILD ?= build-release

bench-build: deps
	cmake -S . -B $(BENCH_BUILD) -DTENET_SANITIZE=OFF -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BENCH_BUILD) -j$(JOBS) --target tenet-controller tenet-agent tenetctl \
		bench_tools

bench: bench-build
	./bench/run.sh $(BENCH_BUILD)

bench-quick: bench-build
	./bench/run.sh $(BENCH_BUILD) --quick

clean:
	rm -rf $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
