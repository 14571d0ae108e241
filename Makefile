# The README's two commands: `make demo` and `make test`. Both install what is
# missing (scripts/install-deps.sh, idempotent), build, then run.
BUILD ?= build
CMAKE_FLAGS ?= -DTENET_SANITIZE=ON
JOBS ?= $(shell nproc)
# Tests run TEST_JOBS at a time; the e2e and cluster tests (RUN_SERIAL) still
# run alone, so the parallel ones are unit, bpf, fuzz and e2e.install.
TEST_JOBS ?= $(JOBS)

.PHONY: all deps build test fuzz-long demo clean format release install deb bench bench-quick bench-build

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure --timeout 600 -j$(TEST_JOBS)

# Every fuzz target (tests/fuzz) for FUZZ_LONG_SECONDS each, from the same
# seed corpora as the short runs of `make test`. A crash stops the run and
# leaves its input as crash-* in $(BUILD)/tests/fuzz.
FUZZ_LONG_SECONDS ?= 600

fuzz-long: build
	cd $(BUILD)/tests/fuzz && for f in fuzz_*; do \
		[ -x "$$f" ] && [ ! -d "$$f" ] || continue; \
		c=$(CURDIR)/tests/fuzz/corpus/$${f#fuzz_}; [ -d "$$c" ] || c=; \
		echo "== $$f ($(FUZZ_LONG_SECONDS) s)"; \
		sh $(CURDIR)/tests/fuzz/run.sh ./$$f $(FUZZ_LONG_SECONDS) $$c || exit 1; \
	done

demo: build
	./scripts/demo.sh $(BUILD)

# What users run is built without sanitizers, in a separate release tree
# configured every time so its flags cannot drift: `make install` (DESTDIR
# and PREFIX honoured), `make deb` (CPack) and the benchmarks
# (bench/run.sh, docs/BENCHMARKS.md) use it.
RELEASE_BUILD ?= build-release
PREFIX ?= /usr

release: deps
	cmake -S . -B $(RELEASE_BUILD) -DTENET_SANITIZE=OFF -DCMAKE_BUILD_TYPE=Release \
		-DTENET_TESTS=OFF -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	cmake --build $(RELEASE_BUILD) -j$(JOBS) --target tenet-controller tenet-agent tenetctl

install: release
	DESTDIR=$(DESTDIR) cmake --install $(RELEASE_BUILD)

deb: release
	cd $(RELEASE_BUILD) && cpack -G DEB

bench-build: release
	cmake --build $(RELEASE_BUILD) -j$(JOBS) --target bench_tools

bench: bench-build
	./bench/run.sh $(RELEASE_BUILD)

bench-quick: bench-build
	./bench/run.sh $(RELEASE_BUILD) --quick

clean:
	rm -rf $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
