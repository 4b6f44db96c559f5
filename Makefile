# proctrace - GNU Makefile.
#   make                  static + shared library in $(BUILD)
#   make check            build and run the test suite
#   make demo             build and run the example tool on the example program
#   make bench            benchmarks (never part of check)
#   make install          PREFIX, DESTDIR, LIBDIR, INCLUDEDIR honoured
#   make CC=clang         any C11 compiler with GNU extensions
#   make SANITIZE=address,undefined check   the suite under sanitizers

VERSION_MAJOR := 0
VERSION_MINOR := 3
VERSION_PATCH := 0
VERSION       := $(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_PATCH)

PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

CC      ?= cc
ifeq ($(origin CC),default)
CC := cc
endif
AR      ?= ar
OPT     ?= -O2 -g
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CFLAGS  ?=
SANITIZE ?=

ifneq ($(SANITIZE),)
BUILD   ?= build-san
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD   ?= build
SANFLAGS :=
endif

BASEFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(SANFLAGS) -pthread
LIB_CFLAGS := $(BASEFLAGS) -fPIC -fvisibility=hidden -DPT_BUILDING_LIBRARY -Iinclude -Isrc $(CFLAGS)
APP_CFLAGS := $(BASEFLAGS) -Iinclude $(CFLAGS)

LIB_SRCS := $(wildcard src/*.c src/arch/*.c)
LIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
LIB_HDRS := include/proctrace.h $(wildcard src/*.h src/arch/*.h)

SONAME    := libproctrace.so.$(VERSION_MAJOR)
SHLIB     := $(BUILD)/libproctrace.so.$(VERSION)
STATICLIB := $(BUILD)/libproctrace.a

# Tests: tests/*.c make one runner binary; tests/targets/*.c are tracees,
# built plain (no sanitizer: a sanitized tracee is a different program).
TEST_SRCS   := $(wildcard tests/*.c)
TARGET_SRCS := $(wildcard tests/targets/*.c)
TARGETS     := $(patsubst tests/targets/%.c,$(BUILD)/targets/%,$(TARGET_SRCS))
TARGET_CFLAGS := -std=gnu11 -O0 -g -no-pie -fno-pie -fcf-protection=none -pthread -Wall -Wno-unused

# 32-bit tracees (tests/test-i386.c): tests/targets32/*.c, built with -m32
# into the same directory.  A probe (m32.status) says whether $(CC) can build
# -m32 programs here; where it cannot (Debian: no gcc-multilib), they are not
# built, the file says why, and their tests skip with that reason.
TARGET32_SRCS := $(wildcard tests/targets32/*.c)
TARGETS32     := $(patsubst tests/targets32/%.c,$(BUILD)/targets/%,$(TARGET32_SRCS))
M32_STATUS    := $(BUILD)/targets/m32.status

EXAMPLE_SRCS := $(wildcard examples/*.c)
EXAMPLES     := $(patsubst examples/%.c,$(BUILD)/examples/%,$(EXAMPLE_SRCS))

TOOL_LIBS := -lelf

.PHONY: all lib check demo bench install uninstall clean targets examples

all: lib

lib: $(STATICLIB) $(SHLIB) $(BUILD)/proctrace.pc

$(BUILD)/obj/%.o: %.c $(LIB_HDRS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -c $< -o $@

$(STATICLIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(SHLIB): $(LIB_OBJS) src/libproctrace.map
	$(CC) -shared $(SANFLAGS) -pthread -Wl,-soname,$(SONAME) \
	  -Wl,--version-script=src/libproctrace.map -Wl,--no-undefined \
	  -o $@ $(LIB_OBJS)
	ln -sf libproctrace.so.$(VERSION) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $(BUILD)/libproctrace.so

$(BUILD)/proctrace.pc: proctrace.pc.in Makefile
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@

# --- tests ---------------------------------------------------------------
$(BUILD)/targets/%: tests/targets/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TARGET_CFLAGS) $< -o $@

# Probed on every run (a fraction of a second), rewritten only when the
# answer changes, so that installing gcc-multilib is noticed.
$(M32_STATUS): FORCE
	@mkdir -p $(dir $@)
	@if printf '#include <pthread.h>\n#include <stdio.h>\nint main(void) { return puts("") + (int)sizeof(pthread_t); }\n' | \
	    $(CC) -m32 $(TARGET_CFLAGS) -x c - -o $@.bin 2>$@.err; then \
	  echo ok > $@.new; \
	else \
	  { printf '%s\n' "$(CC) -m32 cannot build programs here (Debian: apt-get install gcc-multilib)"; \
	    head -n 3 $@.err; } > $@.new; \
	fi; \
	rm -f $@.bin $@.err; \
	if [ "$$(head -n 1 $@.new)" != ok ]; then echo "note: $$(head -n 1 $@.new): 32-bit tests will skip"; fi; \
	if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi

$(BUILD)/targets/%: tests/targets32/%.c $(M32_STATUS)
	@mkdir -p $(dir $@)
	@if [ "$$(head -n 1 $(M32_STATUS))" = ok ]; then \
	  echo "$(CC) -m32 $(TARGET_CFLAGS) $< -o $@"; \
	  $(CC) -m32 $(TARGET_CFLAGS) $< -o $@; \
	else \
	  rm -f $@; \
	fi

.PHONY: FORCE
FORCE:

targets: $(TARGETS) $(TARGETS32)

$(BUILD)/tests/run-tests: $(TEST_SRCS) $(wildcard tests/*.h) $(STATICLIB)
	@mkdir -p $(dir $@)
	$(CC) $(APP_CFLAGS) -Isrc -DPT_TARGET_DIR='"$(abspath $(BUILD))/targets"' \
	  $(TEST_SRCS) $(STATICLIB) $(TOOL_LIBS) -o $@

check: $(BUILD)/tests/run-tests $(TARGETS) $(TARGETS32) $(EXAMPLES)
	$(BUILD)/tests/run-tests $(TESTS)

# --- proctrace-gdbserver (tools/gdbserver/gdbserver.mk) ---------------------
include tools/gdbserver/gdbserver.mk
check: check-gdbserver

# --- examples and demo ----------------------------------------------------
$(BUILD)/examples/%: examples/%.c $(STATICLIB)
	@mkdir -p $(dir $@)
	$(CC) $(APP_CFLAGS) $< $(STATICLIB) $(TOOL_LIBS) -o $@

$(BUILD)/examples/demo-target: examples/target/demo-target.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O1 -g -pthread $< -o $@

examples: $(EXAMPLES)

demo: $(BUILD)/examples/bpcount $(BUILD)/examples/demo-target
	$(BUILD)/examples/bpcount $(DEMO_ARGS)

# --- benchmarks (never in check) -----------------------------------------
# All three scenarios (bphit, attach, bphit_mt; bench/README.md), a few
# minutes; BENCH=attach (or a list) runs only those.
BENCH ?=
bench: lib
	$(MAKE) -C bench BUILD=$(abspath $(BUILD)) CC=$(CC) BENCH='$(BENCH)'

# --- install -----------------------------------------------------------------
install: lib
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR)
	install -m 644 include/proctrace.h $(DESTDIR)$(INCLUDEDIR)/proctrace.h
	install -m 644 $(STATICLIB) $(DESTDIR)$(LIBDIR)/libproctrace.a
	install -m 755 $(SHLIB) $(DESTDIR)$(LIBDIR)/libproctrace.so.$(VERSION)
	ln -sf libproctrace.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libproctrace.so
	install -m 644 $(BUILD)/proctrace.pc $(DESTDIR)$(PKGCONFIGDIR)/proctrace.pc
	if [ -d docs/man ]; then install -d $(DESTDIR)$(MANDIR)/man3 && \
	  install -m 644 docs/man/*.3 $(DESTDIR)$(MANDIR)/man3/; fi

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/proctrace.h $(DESTDIR)$(LIBDIR)/libproctrace.* \
	  $(DESTDIR)$(PKGCONFIGDIR)/proctrace.pc
	if [ -d docs/man ]; then for f in docs/man/*.3; do rm -f $(DESTDIR)$(MANDIR)/man3/$$(basename $$f); done; fi

clean:
	rm -rf build build-san build-*

# --- set-up and the whole test matrix ------------------------------------
# The README's two commands: `make deps demo` and `make deps test-all`.
#   make deps            install the Debian packages the build and tests need
#   make test-all        docs check, then the suite with gcc, with clang, under
#                        ASan+UBSan, then the demo under valgrind
#   make demo-valgrind   the demo under valgrind's leak checker
#   make check-man       docs/man covers every PT_API function of the header
#   make check-vm        the 32-bit and watchpoint tests (or TESTS=...) in a
#                        QEMU guest with Debian's kernel, for hosts whose
#                        kernel runs no 32-bit programs and whose debug
#                        registers never fire (scripts/qemu-check.sh); part
#                        of test-all

# Arguments of the demo tool after its name, shared by `demo` above and
# `demo-valgrind`, so the two always run the same thing.
DEMO_ARGS ?= -n 20000 $(BUILD)/examples/demo-target work_item -- 4 100000
VALGRIND ?= valgrind
VALGRIND_FLAGS ?= --leak-check=full --error-exitcode=1

.PHONY: deps test-all demo-valgrind check-man check-vm

deps:
	scripts/install-deps.sh

check-man:
	scripts/check-man.sh

check-vm: $(BUILD)/tests/run-tests $(TARGETS) $(TARGETS32)
	BUILD=$(BUILD) scripts/qemu-check.sh $(TESTS)

demo-valgrind: $(BUILD)/examples/bpcount $(BUILD)/examples/itrace $(BUILD)/examples/demo-target
	$(VALGRIND) $(VALGRIND_FLAGS) $(BUILD)/examples/bpcount $(DEMO_ARGS)
	$(VALGRIND) $(VALGRIND_FLAGS) $(BUILD)/examples/itrace -n 20000 $(BUILD)/examples/demo-target 2 1000

# `make -j deps test-all` must still install before it builds.
test-all: | $(filter deps,$(MAKECMDGOALS))
	@echo '=== test-all: man page against the header'
	$(MAKE) check-man
	@echo '=== test-all: suite, gcc'
	$(MAKE) check
	@echo '=== test-all: suite, gcc, every step-over single-stepped'
	PROCTRACE_STEPOVER=single $(BUILD)/tests/run-tests
	@echo '=== test-all: suite, clang'
	$(MAKE) CC=clang BUILD=build-clang check
	@echo '=== test-all: suite, AddressSanitizer + UndefinedBehaviorSanitizer'
	$(MAKE) SANITIZE=address,undefined check
	@echo '=== test-all: 32-bit and watchpoint-hit tests in a QEMU guest: gcc, clang, sanitizers'
	$(MAKE) check-vm
	$(MAKE) CC=clang BUILD=build-clang check-vm
	$(MAKE) SANITIZE=address,undefined check-vm
	@echo '=== test-all: demo under valgrind'
	$(MAKE) demo-valgrind
	@echo '=== test-all: all passed'
