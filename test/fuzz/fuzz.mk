# fuzz.mk — libFuzzer targets of the server-free core (test/fuzz/README.md).
#
#   make fuzz [FUZZ_SECONDS=60]   build every target, run each that long
#   make fuzz-build               build only (test/fuzz/bin/)
#   make fuzz-clean
#
# Included by the top Makefile; also works alone, from the repository top:
# make -f test/fuzz/fuzz.mk fuzz-build (test/fuzz/run does that).  The core
# is compiled once with the sanitizers (fuzzer-no-link) into bin/obj and
# linked into each target with libFuzzer's main.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR     := test/fuzz
FUZZ_BIN     := $(FUZZ_DIR)/bin
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_JSONC_CFLAGS := $(shell pkg-config --cflags json-c 2>/dev/null)
FUZZ_JSONC_LIBS   := $(or $(shell pkg-config --libs json-c 2>/dev/null),-ljson-c)
FUZZ_CFLAGS  := -g -O1 -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
	$(FUZZ_SAN) -Isrc/core $(FUZZ_JSONC_CFLAGS)

FUZZ_CORE_SRCS := $(sort $(wildcard src/core/*.c))
FUZZ_CORE_OBJS := $(patsubst src/core/%.c,$(FUZZ_BIN)/obj/%.o,$(FUZZ_CORE_SRCS))
FUZZ_TARGETS   := $(patsubst $(FUZZ_DIR)/%.c,$(FUZZ_BIN)/%,$(wildcard $(FUZZ_DIR)/fuzz_*.c))

$(FUZZ_BIN)/obj/%.o: src/core/%.c $(wildcard src/core/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BIN)/fuzz_%: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_DIR)/fuzz_common.h $(FUZZ_CORE_OBJS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_CORE_OBJS) \
		$(FUZZ_JSONC_LIBS) -lm -o $@

# The seed generator is a plain program (no sanitizers needed) on the core.
$(FUZZ_BIN)/gen_seeds: $(FUZZ_DIR)/gen_seeds.c $(FUZZ_CORE_SRCS) $(wildcard src/core/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -g -O1 -std=gnu11 -Wall -Wextra -Werror -Isrc/core $(FUZZ_JSONC_CFLAGS) \
		$< $(FUZZ_CORE_SRCS) $(FUZZ_JSONC_LIBS) -lm -o $@

.PHONY: fuzz fuzz-build fuzz-clean fuzz-seeds
fuzz-build: $(FUZZ_TARGETS)

fuzz: fuzz-build
	@bash $(FUZZ_DIR)/run $(FUZZ_SECONDS)

# Rewrites the generated part of the seed corpora (wire and intent states).
fuzz-seeds: $(FUZZ_BIN)/gen_seeds
	$(FUZZ_BIN)/gen_seeds $(FUZZ_DIR)/corpus

fuzz-clean:
	rm -rf $(FUZZ_BIN)
