# zeropark - top-level driver. The build itself is CMake (+ CTest).
#
#   make run     install missing packages, build, run the main job
#   make test    install missing packages, build with ASan+UBSan, run every test
#   make bench   release build, run the benchmarks (JSON lines on stdout)
#   make fuzz    build the libFuzzer targets with clang, run each for FUZZ_SECONDS
#   make install PREFIX=/usr/local

BUILD      ?= build
TESTBUILD  ?= build-test
FUZZBUILD  ?= build-fuzz
PREFIX     ?= /usr/local
FUZZ_SECONDS ?= 60
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
MODEL      ?= examples/shaoguan-campus/model.json

.PHONY: all build run run-live test bench fuzz install clean deps

all: build

deps:
	@scripts/deps.sh build

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)
	@scripts/web.sh $(BUILD) || echo "make: the dashboard (web/) was not built (see above); everything else was" >&2

run: build
	$(BUILD)/zeropark simulate $(MODEL) --dispatch optimal --db $(BUILD)/zeropark.db --csv $(BUILD)/flows.csv
	$(BUILD)/zeropark compare $(MODEL)
	$(BUILD)/zeropark report $(MODEL) --html $(BUILD)/report.html

# Live operation on one machine (README "Live operation"): the device
# simulator serves the model's Modbus devices, zeropark serve polls them,
# plans, writes setpoints and answers the API and the dashboard. Ctrl-C stops both.
LIVE_MODEL  ?= examples/live-campus/model.json
LIVE_LISTEN ?= 127.0.0.1:8080
run-live: build
	@mkdir -p $(BUILD)/live
	@[ -f $(BUILD)/live/serve.json ] || (umask 077; printf '{"listen": "%s", "db": "%s", "token": "%s", "replan_min": 5, "credits_db": "%s"}\n' \
	    "$(LIVE_LISTEN)" "$(abspath $(BUILD))/live/park.db" "$$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')" \
	    "$(abspath $(BUILD))/live/credits.db" \
	    > $(BUILD)/live/serve.json)
	@$(BUILD)/zeropark devices $(LIVE_MODEL) 2> $(BUILD)/live/devices.log & sim=$$!; \
	  trap 'kill $$sim 2>/dev/null' EXIT INT TERM; sleep 1; \
	  echo "dashboard: http://$(LIVE_LISTEN)/  API: http://$(LIVE_LISTEN)/api/v1/status  write token: $(BUILD)/live/serve.json  stop: Ctrl-C"; \
	  $(BUILD)/zeropark serve $(LIVE_MODEL) --config $(BUILD)/live/serve.json --web $(BUILD)/web/dist

test:
	@scripts/deps.sh test
	@cmake -S . -B $(TESTBUILD) -DCMAKE_BUILD_TYPE=Debug -DZP_SANITIZE=ON -DZP_WERROR=ON >/dev/null
	@cmake --build $(TESTBUILD) -j$(JOBS)
	@scripts/web.sh $(TESTBUILD)
	@cd $(TESTBUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest --output-on-failure -j$(JOBS)

# Benchmarks print JSON lines on stdout; the build talks on stderr.
bench:
	@scripts/deps.sh bench
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) >&2
	@scripts/web.sh $(BUILD) >&2
	@bench/run.sh $(BUILD)

fuzz:
	@scripts/deps.sh fuzz
	@cmake -S . -B $(FUZZBUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DZP_FUZZ=ON -DZP_SANITIZE=ON -DBUILD_TESTING=OFF >/dev/null
	@cmake --build $(FUZZBUILD) -j$(JOBS)
	@fuzz/run.sh $(FUZZBUILD) $(FUZZ_SECONDS)

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(TESTBUILD) $(FUZZBUILD)
