# finwave: build, run, test, bench, install.
#
# `make run` and `make test` are all a fresh Debian machine needs: the `deps` step finds the
# libraries with pkg-config and installs whatever is missing with apt-get (sudo when not root;
# elsewhere it prints the command to run).  Two build trees: build/ (the program) and
# build-san/ (the same sources under AddressSanitizer + UndefinedBehaviorSanitizer, which
# `make test` also runs).

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
PKGS     = ncursesw libuv readline libpcap
DEB_PKGS = build-essential pkg-config libncurses-dev libuv1-dev libreadline-dev libpcap-dev \
           tmux tshark tcpdump python3 iproute2 valgrind procps
VERSION  = 0.1.0

CFLAGS_BASE = -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -DFW_VERSION='"$(VERSION)"' -Iengine -Itui \
              -DFW_LESSONS_DIR='"$(PREFIX)/share/finwave/lessons"'
OPT        ?= -O2 -g
SANFLAGS    = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# The pure model: everything in engine/ except the libuv runtime (rt_*.c).
MODEL_SRC = $(filter-out engine/rt_%.c,$(wildcard engine/*.c))
RT_SRC    = $(wildcard engine/rt_*.c)
TUI_SRC   = $(wildcard tui/*.c)
TUI_LIB   = $(filter-out tui/main.c,$(TUI_SRC))
UNIT_SRC  = $(wildcard tests/unit/*.c)
TOOL_SRC  = $(wildcard tests/tools/*.c)

# Build trees (override to build elsewhere, e.g. `make O=/tmp/b1 SO=/tmp/b1-san`).
O  ?= build
SO ?= build-san

obj = $(patsubst %.c,$(1)/%.o,$(2))

.PHONY: all deps run test test-fast bench install uninstall clean san
all: deps finwave

# ---- dependencies -------------------------------------------------------------------------
deps: $(O)/.deps-ok
$(O)/.deps-ok: Makefile
	@missing=""; for p in $(PKGS); do pkg-config --exists $$p 2>/dev/null || missing="$$missing $$p"; done; \
	for t in tmux tshark tcpdump python3 ip valgrind pgrep; do command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
	  echo "finwave: missing:$$missing"; \
	  if command -v apt-get >/dev/null 2>&1; then \
	    if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $(DEB_PKGS) || exit 1; \
	  else \
	    echo "finwave: install these with your package manager, e.g.:"; \
	    echo "  apt-get install $(DEB_PKGS)"; exit 1; \
	  fi; \
	fi
	@mkdir -p $(O) && touch $@

# ---- the program --------------------------------------------------------------------------
finwave: $(O)/finwave
	@cp $(O)/finwave finwave

$(O)/finwave: $(call obj,$(O),$(MODEL_SRC) $(RT_SRC) $(TUI_SRC))
	$(CC) -o $@ $^ $(PKG_LIBS) -lm

$(O)/%.o: %.c $(O)/.deps-ok $(wildcard engine/*.h tui/*.h tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(OPT) $(PKG_CFLAGS) -c -o $@ $<

$(SO)/%.o: %.c $(O)/.deps-ok $(wildcard engine/*.h tui/*.h tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(SANFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(SO)/finwave: $(call obj,$(SO),$(MODEL_SRC) $(RT_SRC) $(TUI_SRC))
	$(CC) $(SANFLAGS) -o $@ $^ $(PKG_LIBS) -lm

# Unit tests link everything but main(): the model, the runtime and the screen's pure parts.
$(O)/unit_tests: $(call obj,$(O),$(UNIT_SRC) $(MODEL_SRC) $(RT_SRC) $(TUI_LIB))
	$(CC) -o $@ $^ $(PKG_LIBS) -lm
$(SO)/unit_tests: $(call obj,$(SO),$(UNIT_SRC) $(MODEL_SRC) $(RT_SRC) $(TUI_LIB))
	$(CC) $(SANFLAGS) -o $@ $^ $(PKG_LIBS) -lm

san: $(SO)/finwave $(SO)/unit_tests

run: all
	./finwave $(ARGS)

# ---- tests --------------------------------------------------------------------------------
test: all $(O)/unit_tests san
	@tests/run.sh

bench: all
	@tests/bench.sh

# ---- install ------------------------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/finwave/lessons \
	           $(DESTDIR)$(PREFIX)/share/man/man1 \
	           $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 755 finwave $(DESTDIR)$(PREFIX)/bin/finwave
	cp -R lessons/. $(DESTDIR)$(PREFIX)/share/finwave/lessons/
	install -m 644 assets/finwave.1 $(DESTDIR)$(PREFIX)/share/man/man1/finwave.1
	install -m 644 assets/finwave.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/finwave

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/finwave $(DESTDIR)$(PREFIX)/share/man/man1/finwave.1 \
	      $(DESTDIR)$(PREFIX)/share/bash-completion/completions/finwave
	rm -rf $(DESTDIR)$(PREFIX)/share/finwave

clean:
	rm -rf build build-san finwave
