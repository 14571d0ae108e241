# The README's two commands: `make demo` and `make test`. Both install what is
# missing (scripts/install-deps.sh, idempotent), build, then run.
BUILD ?= build
CMAKE_FLAGS ?= -DTENET_SANITIZE=ON
JOBS ?= $(shell nproc)

.PHONY: all deps build test demo clean format

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

clean:
	rm -rf $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
