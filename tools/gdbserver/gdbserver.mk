# tools/gdbserver/gdbserver.mk - proctrace-gdbserver, its tests and fuzzer.
# Included from the top-level Makefile (which defines BUILD, CC, APP_CFLAGS,
# STATICLIB, TARGET_CFLAGS, BINDIR, DESTDIR).
#   make $(BUILD)/tools/proctrace-gdbserver   the server
#   make check-gdbserver                       gdb/lldb tests (part of check)
#   make fuzz-gdbserver                        a bounded libFuzzer run (clang)

GS_SRCS := tools/gdbserver/packet.c tools/gdbserver/server.c \
           tools/gdbserver/tdesc.c tools/gdbserver/signals.c
GS_HDRS := $(wildcard tools/gdbserver/*.h)
GDBSERVER := $(BUILD)/tools/proctrace-gdbserver
GS_TARGET_SRCS := $(wildcard tests/gdbserver/targets/*.c)
GS_TARGETS := $(patsubst tests/gdbserver/targets/%.c,$(BUILD)/gdbserver-targets/%,$(GS_TARGET_SRCS))

.PHONY: gdbserver check-gdbserver fuzz-gdbserver install-gdbserver

all: $(GDBSERVER)
gdbserver: $(GDBSERVER)

$(GDBSERVER): $(GS_SRCS) tools/gdbserver/main.c $(GS_HDRS) $(STATICLIB)
	@mkdir -p $(dir $@)
	$(CC) $(APP_CFLAGS) $(GS_SRCS) tools/gdbserver/main.c $(STATICLIB) -o $@

$(BUILD)/gdbserver-targets/%: tests/gdbserver/targets/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TARGET_CFLAGS) $< -o $@

check-gdbserver: $(GDBSERVER) $(GS_TARGETS)
	BUILD=$(BUILD) GDBSERVER=$(abspath $(GDBSERVER)) \
	  TARGETS=$(abspath $(BUILD))/gdbserver-targets tests/gdbserver/run.sh

# The packet layer and command parser under libFuzzer + ASan (clang only),
# with no process: every packet a hostile client could send.
FUZZ_CC ?= clang
FUZZ_RUNS ?= 200000
FUZZ_TIME ?= 30
$(BUILD)/fuzz/fuzz-gdbserver: $(GS_SRCS) tools/gdbserver/fuzz/fuzz_packet.c $(GS_HDRS) $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
	  -Iinclude -Isrc -Itools/gdbserver -DPT_BUILDING_LIBRARY -pthread \
	  $(GS_SRCS) tools/gdbserver/fuzz/fuzz_packet.c $(LIB_SRCS) -o $@

fuzz-gdbserver: $(BUILD)/fuzz/fuzz-gdbserver
	@mkdir -p $(BUILD)/fuzz/corpus
	cp tools/gdbserver/fuzz/seeds/* $(BUILD)/fuzz/corpus/ 2>/dev/null || true
	cd $(BUILD)/fuzz && ./fuzz-gdbserver -runs=$(FUZZ_RUNS) -max_total_time=$(FUZZ_TIME) -max_len=4096 -artifact_prefix=./ \
	  corpus

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
