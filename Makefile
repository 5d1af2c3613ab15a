# Junction: the two commands a user needs are `make run` and `make test`.
BUILD_DIR ?= build
ASAN_DIR  ?= build-asan
TSAN_DIR  ?= build-tsan
JOBS      ?= $(shell nproc)
# The sanitizer trees are built from scratch by `make test` and never edited in: compiled as unity
# builds (batches of source files per target, docs/ci.md), they cost much less CPU time.
# SANITIZER_UNITY=OFF builds them file by file (e.g. to find which file a clash comes from).
SANITIZER_UNITY ?= ON
# The TSan junction too (its suites pass against a unity-built junction, docs/ci.md).
TSAN_UNITY ?= $(SANITIZER_UNITY)
# The release tree stays one object per file, for quick incremental rebuilds, except where it is
# built once from scratch: .ci/run passes RELEASE_UNITY=ON (docs/ci.md).
RELEASE_UNITY ?= OFF
# The compiled tests (GoogleTest, the C++ client's e2e tests, fuzz drivers) in the release tree.
# .ci/run passes RELEASE_COMPILED_TESTS=OFF: they run once, in the ASan + UBSan tree of the same
# `make test`; the release tree keeps every suite that drives the junction binary (docs/ci.md).
RELEASE_COMPILED_TESTS ?= ON
UNITY_FLAGS = -DCMAKE_UNITY_BUILD=$(SANITIZER_UNITY) -DCMAKE_UNITY_BUILD_BATCH_SIZE=8
TSAN_UNITY_FLAGS = -DCMAKE_UNITY_BUILD=$(TSAN_UNITY) -DCMAKE_UNITY_BUILD_BATCH_SIZE=8
# Ninja when present (install-deps brings it); the generator is fixed at a build dir's first configure.
GEN = $$(test -f $(1)/CMakeCache.txt || { command -v ninja >/dev/null && echo "-G Ninja"; })

.PHONY: deps build run test test-asan test-tsan bench bench-web soak fuzz clean format

deps:
	@scripts/install-deps

build: deps
	cmake -S . -B $(BUILD_DIR) $(call GEN,$(BUILD_DIR)) -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_UNITY_BUILD=$(RELEASE_UNITY) -DCMAKE_UNITY_BUILD_BATCH_SIZE=8 \
	  -DJUNCTION_COMPILED_TESTS=$(RELEASE_COMPILED_TESTS)
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/junction start

# Unit and end-to-end tests on the release build (one I/O thread, the default), then the same
# suites under ASan + UBSan with two I/O threads (so half the sessions cross threads), then the
# end-to-end suites against a ThreadSanitizer junction with three I/O threads.
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 300
	$(MAKE) test-asan
	$(MAKE) test-tsan

test-asan: deps
	cmake -S . -B $(ASAN_DIR) $(call GEN,$(ASAN_DIR)) -DCMAKE_BUILD_TYPE=Debug -DJUNCTION_SANITIZE=ON \
	  -DJUNCTION_UNIT_TEST_PER_EXECUTABLE=ON -DJUNCTION_COMPILED_TESTS=ON $(UNITY_FLAGS)
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && JUNCTION_IO_THREADS=2 ctest --output-on-failure -j $(JOBS) --timeout 600

# Only the junction binary is built with TSan; the suites are the Python end-to-end ones.
test-tsan: deps
	cmake -S . -B $(TSAN_DIR) $(call GEN,$(TSAN_DIR)) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DJUNCTION_TSAN=ON -DJUNCTION_BUILD_TESTS=OFF $(TSAN_UNITY_FLAGS)
	cmake --build $(TSAN_DIR) -j $(JOBS) --target junction
	scripts/test-tsan $(TSAN_DIR)/junction

# junction-bench against a fresh release junction on a free port (bench/run-bench.sh): echo
# baseline, rpc, fanout (1/10/100/1000 subscribers, 16 B-64 KB), patterns (fan-out without and
# with 10 000 non-matching pattern subscriptions), 5000 held sessions.
# Extra junction-bench options: make bench BENCH_ARGS="--seconds 10 --serializer msgpack"
BENCH_ARGS ?=
bench: build
	bench/run-bench.sh $(BUILD_DIR)/junction $(BUILD_DIR)/junction-bench \
	  --subscribers 1,10,100,1000 --sizes 16,64,1024,65536 --connections 5000 $(BENCH_ARGS)

# The web side against Debian's nginx in the same run (bench/web-bench.sh): static 1 KB and 1 MB
# files over keep-alive (wrk), and HTTP bridge publisher requests/s.
# make bench-web WEB_BENCH_ARGS="10 100"   (seconds per run, connections)
WEB_BENCH_ARGS ?=
bench-web: build
	bench/web-bench.sh $(BUILD_DIR)/junction $(WEB_BENCH_ARGS)

# A bounded soak test (tests/soak/soak.py; not part of `make test`): RPC/PubSub load, session
# churn and the attacks of issue 13 at once for SOAK_SECONDS against a release junction; asserts
# no message lost and memory and descriptors flat, prints the bystander's p99.
SOAK_SECONDS ?= 180
soak: build
	SOAK_SECONDS=$(SOAK_SECONDS) /usr/bin/python3 tests/soak/soak.py $(BUILD_DIR)/junction

# Long fuzzing runs with libFuzzer (clang): FUZZ_SECONDS per target, corpus grows in build-fuzz/.
FUZZ_SECONDS ?= 300
FUZZ_CODECS ?= json msgpack cbor ubjson
# Targets named fuzz_<name> with seeds in tests/fuzz/corpus/<name>.
FUZZ_OTHER ?= websocket rawsocket http config auth
FUZZ_NAMES = $(addsuffix _codec,$(FUZZ_CODECS)) $(FUZZ_OTHER)
fuzz: deps
	CXX=clang++ cmake -S . -B build-fuzz $(call GEN,build-fuzz) -DCMAKE_BUILD_TYPE=Debug \
	  -DJUNCTION_SANITIZE=ON -DJUNCTION_LIBFUZZER=ON
	cmake --build build-fuzz -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_NAMES))
	set -e; for t in $(FUZZ_NAMES); do \
	  c=$${t%_codec}; \
	  mkdir -p build-fuzz/corpus-$$c && cp -n tests/fuzz/corpus/$$c/* build-fuzz/corpus-$$c/; \
	  build-fuzz/tests/fuzz/fuzz_$$t build-fuzz/corpus-$$c -max_total_time=$(FUZZ_SECONDS) -max_len=65536; \
	done

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR) build-fuzz
