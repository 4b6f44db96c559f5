# tools/gdbserver/gdbserver.mk - proctrace-gdbserver, its tests and fuzzer.
# Included from the top-level Makefile (which defines BUILD, CC, APP_CFLAGS,
# STATICLIB, TARGET_CFLAGS, BINDIR, DESTDIR).
#   make $(BUILD)/tools/proctrace-gdbserver   the server
#   make check-gdbserver                       gdb/lldb tests and a bounded
#                                              fuzzer run (part of check)
#   make fuzz-gdbserver[-long]                 libFuzzer runs (clang), below
#   make soak-gdbserver                        random packet sequences over
#                                              a live program, long (below)

GS_SRCS := tools/gdbserver/packet.c tools/gdbserver/server.c \
           tools/gdbserver/tdesc.c tools/gdbserver/signals.c tools/gdbserver/osdata.c \
           tools/gdbserver/siginfo32.c tools/gdbserver/threaddb.c \
           tools/gdbserver/agent.c
GS_HDRS := $(wildcard tools/gdbserver/*.h)
GDBSERVER := $(BUILD)/tools/proctrace-gdbserver
GS_TARGET_SRCS := $(wildcard tests/gdbserver/targets/*.c)
GS_TARGETS := $(patsubst tests/gdbserver/targets/%.c,$(BUILD)/gdbserver-targets/%,$(GS_TARGET_SRCS)) \
              $(BUILD)/gdbserver-targets/tls-static

.PHONY: gdbserver check-gdbserver fuzz-gdbserver install-gdbserver

all: $(GDBSERVER)
gdbserver: $(GDBSERVER)

# threaddb.c's proc_service callbacks (ps_*) are exported for the
# libthread_db it loads with dlopen (tools/gdbserver/threaddb.dynlist).
$(GDBSERVER): $(GS_SRCS) tools/gdbserver/main.c $(GS_HDRS) $(STATICLIB) \
	      tools/gdbserver/threaddb.dynlist
	@mkdir -p $(dir $@)
	$(CC) $(APP_CFLAGS) $(GS_SRCS) tools/gdbserver/main.c $(STATICLIB) \
	  $(TOOL_LIBS) -Wl,--dynamic-list=tools/gdbserver/threaddb.dynlist -o $@

$(BUILD)/gdbserver-targets/%: tests/gdbserver/targets/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TARGET_CFLAGS) $< -o $@

# tls.c linked statically: no .dynsym, libthread_db's symbols in .symtab.
$(BUILD)/gdbserver-targets/tls-static: tests/gdbserver/targets/tls.c
	@mkdir -p $(dir $@)
	$(CC) $(TARGET_CFLAGS) -static $< -o $@

# The gdb/lldb tests, then (not in parallel with them: they time things)
# the bounded fuzzer run.
check-gdbserver: $(GDBSERVER) $(GS_TARGETS)
	BUILD=$(BUILD) GDBSERVER=$(abspath $(GDBSERVER)) \
	  TARGETS=$(abspath $(BUILD))/gdbserver-targets tests/gdbserver/run.sh
	$(MAKE) --no-print-directory fuzz-gdbserver-check

# tests/gdbserver/soak.py for longer than check does (t_soak: 40 sessions):
# SOAK_SESSIONS sessions of SOAK_PACKETS packets from seed SOAK_SEED (a
# different seed each day by default).  A failing session prints its seed.
SOAK_SESSIONS ?= 1000
SOAK_PACKETS ?= 120
SOAK_SEED ?= $(shell date +%Y%m%d)
.PHONY: soak-gdbserver
soak-gdbserver: $(GDBSERVER) $(GS_TARGETS)
	python3 tests/gdbserver/soak.py $(GDBSERVER) $(BUILD)/gdbserver-targets/soak \
	  --sessions $(SOAK_SESSIONS) --packets $(SOAK_PACKETS) --seed $(SOAK_SEED)

# The packet layer and command parser under libFuzzer + ASan + UBSan
# (clang only), with no process: every packet a hostile client could send.
# The library itself is linked uninstrumented, built by $(FUZZ_CC) into
# $(BUILD)/fuzz/lib through the top Makefile (its own rules, so generated
# sources and new files come along); the fuzzer starts no process, so
# nothing of the library's tracing runs.
#   make fuzz-gdbserver        FUZZ_RUNS inputs or FUZZ_TIME seconds
#   make fuzz-gdbserver-check  the same, part of check-gdbserver; skipped
#                              with a "SKIP: fuzz-gdbserver (...)" line when
#                              $(FUZZ_CC) cannot build libFuzzer programs
#   make fuzz-gdbserver-long   10^7 inputs (FUZZ_LONG_RUNS), no time limit
# Every run first replays tools/gdbserver/fuzz/seeds/ (regressions
# included) and fails on any crash, leak or sanitizer report; crashing
# inputs land in $(BUILD)/fuzz/ as crash-*, leak-*, timeout-*.
FUZZ_CC ?= clang
FUZZ_RUNS ?= 2000000
FUZZ_TIME ?= 30
FUZZ_LONG_RUNS ?= 10000000
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_BIN := $(FUZZ_DIR)/fuzz-gdbserver
FUZZ_LIB := $(FUZZ_DIR)/lib/libproctrace.a
FUZZ_PROBE := $(FUZZ_DIR)/libfuzzer.status
FUZZ_FLAGS := -max_len=4096 -dict=$(abspath tools/gdbserver/fuzz/packets.dict) \
	-artifact_prefix=./ -print_final_stats=1

.PHONY: fuzz-gdbserver-check fuzz-gdbserver-long

# Always asked of the top Makefile, which rebuilds it only when needed.
$(FUZZ_LIB): FORCE
	$(MAKE) --no-print-directory CC=$(FUZZ_CC) SANITIZE= CFLAGS= \
	  BUILD=$(FUZZ_DIR)/lib $(FUZZ_LIB)

$(FUZZ_BIN): $(GS_SRCS) tools/gdbserver/fuzz/fuzz_packet.c $(GS_HDRS) $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=undefined -Iinclude -Itools/gdbserver -pthread \
	  $(GS_SRCS) tools/gdbserver/fuzz/fuzz_packet.c $(FUZZ_LIB) $(TOOL_LIBS) -o $@

# Can $(FUZZ_CC) build a libFuzzer program here?  "ok" or the reason.
$(FUZZ_PROBE): FORCE
	@mkdir -p $(dir $@)
	@if printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' | \
	    $(FUZZ_CC) -fsanitize=fuzzer,address,undefined -x c - -o $@.bin >$@.err 2>&1; then \
	  echo ok > $@.new; \
	else \
	  echo "$(FUZZ_CC) cannot build libFuzzer programs here: $$(head -n 1 $@.err) (Debian: apt-get install clang)" > $@.new; \
	fi; \
	rm -f $@.bin $@.err; \
	if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi

# fuzz_run RUNS TIME: seeds copied into the corpus, then libFuzzer.
fuzz_run = mkdir -p $(FUZZ_DIR)/corpus && \
	cp tools/gdbserver/fuzz/seeds/* $(FUZZ_DIR)/corpus/ && \
	cd $(FUZZ_DIR) && ./fuzz-gdbserver -runs=$(1) -max_total_time=$(2) \
	  $(FUZZ_FLAGS) corpus

fuzz-gdbserver: $(FUZZ_BIN)
	$(call fuzz_run,$(FUZZ_RUNS),$(FUZZ_TIME))

fuzz-gdbserver-long: $(FUZZ_BIN)
	$(call fuzz_run,$(FUZZ_LONG_RUNS),0)

# Part of check-gdbserver: a bounded run (FUZZ_TIME seconds at most), or
# a SKIP line where there is no libFuzzer.
fuzz-gdbserver-check: $(FUZZ_PROBE)
	@if [ "$$(cat $(FUZZ_PROBE))" != ok ]; then \
	  echo "SKIP: fuzz-gdbserver ($$(cat $(FUZZ_PROBE)))"; \
	else \
	  $(MAKE) --no-print-directory fuzz-gdbserver >$(FUZZ_DIR)/check.log 2>&1; rc=$$?; \
	  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done )' $(FUZZ_DIR)/check.log; \
	  if [ $$rc = 0 ]; then echo "PASS: fuzz-gdbserver ($(FUZZ_TIME) s at most, log: $(FUZZ_DIR)/check.log)"; \
	  else tail -n 40 $(FUZZ_DIR)/check.log; \
	    echo "FAIL: fuzz-gdbserver (log: $(FUZZ_DIR)/check.log; inputs: $(FUZZ_DIR)/crash-*)"; exit 1; fi; \
	fi

install-gdbserver: $(GDBSERVER)
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(GDBSERVER) $(DESTDIR)$(BINDIR)/proctrace-gdbserver

install: install-gdbserver

# gdb's own testsuite (gdb-source + dejagnu), stock gdbserver vs ours,
# side by side; not part of check (minutes to hours).
#   make check-gdb-testsuite GDB_SUITE='gdb.server gdb.base/break*.exp'
GDB_SUITE ?= gdb.server
.PHONY: check-gdb-testsuite
check-gdb-testsuite: $(GDBSERVER)
	BUILD=$(BUILD) GDBSERVER=$(GDBSERVER) tests/gdbserver/gdb-testsuite.sh $(GDB_SUITE)
