# leadscore — PGXS build.  `make`, `make install`, `make test`, `make demo`,
# `make bench`; see README.md.

EXTENSION  = leadscore
MODULE_big = leadscore

CORE_SRCS = $(sort $(wildcard src/core/*.c))
GLUE_SRCS = $(sort $(wildcard src/*.c))
OBJS      = $(CORE_SRCS:.c=.o) $(GLUE_SRCS:.c=.o)

# PGXS tracks no header dependencies: a changed struct must rebuild
# every object that allocates it (a rule before the include: `make` alone
# must still build all, not this rule's first object)
.DEFAULT_GOAL := all
$(OBJS): $(wildcard src/*.h src/core/*.h)

DATA      = $(sort $(wildcard sql/leadscore--*.sql))
DOCS      = README.md
PROGRAM_VALIDATE = leadscore-validate
SCRIPTS_built = $(PROGRAM_VALIDATE)

PG_CONFIG ?= pg_config

JSONC_CFLAGS := $(shell pkg-config --cflags json-c 2>/dev/null)
JSONC_LIBS   := $(shell pkg-config --libs json-c 2>/dev/null)

# -Wno-unused-parameter: PostgreSQL's own headers (and every PG_FUNCTION_ARGS
# function) have unused parameters; everything else in -Wextra stays an error.
WARN = -Wall -Wextra -Werror -Wno-unused-parameter
PG_CPPFLAGS = -Isrc/core $(JSONC_CFLAGS)
PG_CFLAGS   = $(WARN)
SHLIB_LINK  = $(JSONC_LIBS) -lm

EXTRA_CLEAN = $(PROGRAM_VALIDATE) test/unit/*.bin test/alert_listener results regression.* \
	tmp_check output_iso log

PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
else
# A fresh machine has no server headers yet: only deps/test/demo/bench work
# (they install what is missing, then run make again).
.DEFAULT_GOAL := no-pgxs
no-pgxs install:
	@echo "PostgreSQL server headers (pg_config --pgxs) not found: run 'make deps' as root," \
	      "or install postgresql-server-dev-15 and libjson-c-dev" >&2; exit 1
endif

# The command-line validator: the server-free core and json-c, no server.
VALIDATE_SRCS = src/core/arena.c src/core/error.c src/core/model_validate.c \
	src/core/model_json.c src/tools/leadscore_validate.c
$(PROGRAM_VALIDATE): $(VALIDATE_SRCS) $(wildcard src/core/*.h)
	$(CC) -std=gnu11 -O2 -g $(WARN) -Isrc/core $(JSONC_CFLAGS) \
		$(VALIDATE_SRCS) $(JSONC_LIBS) -lm -o $@

all: $(PROGRAM_VALIDATE)

# C unit tests of the core, one binary per test/unit/test_*.c.
UNIT_TESTS = $(patsubst test/unit/%.c,test/unit/%.bin,$(wildcard test/unit/test_*.c))
test/unit/%.bin: test/unit/%.c $(CORE_SRCS) $(wildcard src/core/*.h) test/unit/unit.h
	$(CC) -std=gnu11 -O1 -g $(WARN) -Isrc/core $(JSONC_CFLAGS) \
		$(CORE_SRCS) $< $(JSONC_LIBS) -lm -o $@
unit-build: $(UNIT_TESTS) $(PROGRAM_VALIDATE) test/alert_listener

# The example alert listener (doc/examples), built for the TAP test.
test/alert_listener: doc/examples/alert_listener.c
	$(CC) -std=gnu11 -O1 -g $(WARN) -I$(shell $(PG_CONFIG) --includedir) $< \
		-L$(shell $(PG_CONFIG) --libdir) -lpq -o $@

# Fuzzing (libFuzzer) and sqlsmith: their own targets, a short pass in make test.
-include test/fuzz/fuzz.mk

.PHONY: deps test demo bench unit-build
deps:
	@bash test/install-deps
test:
	@bash test/install-deps
	@$(MAKE) --no-print-directory all unit-build
	@$(MAKE) --no-print-directory install >/dev/null
	@bash test/run-all
demo:
	@bash test/install-deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory install >/dev/null
	@bash test/demo/run $(if $(LEADS_CSV),--leads-csv "$(LEADS_CSV)")
bench:
	@bash test/install-deps
	@$(MAKE) --no-print-directory all test/alert_listener
	@$(MAKE) --no-print-directory install >/dev/null
	@bash test/bench/run $(or $(BENCH_SCALE),1)
