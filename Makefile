# archive_overlay: an OCI poststop hook that archives overlay upperdirs.
#   make                 build the native executable at build/archive_overlay
#   make install         install it and its OCI hooks config (PREFIX, DESTDIR honoured)
#   make test            install test dependencies (apt, as root), build, run every test
#   make demo            build, install under build/demo, run one real podman container
#   make bench           compare against GNU tar, gzip, pigz and cp on the same data

PREFIX ?= /usr
DESTDIR ?=
LIBEXECDIR ?= $(PREFIX)/libexec/oci/hooks.d
HOOKSDIR ?= $(PREFIX)/share/containers/oci/hooks.d
CONFIGURATION ?= Release

BUILD := build
BINARY := $(BUILD)/archive_overlay
SOURCES := $(shell find src \( -name obj -o -name bin \) -prune -o \( -name '*.cs' -o -name '*.csproj' \) -print) \
	Directory.Build.props
TEST_PACKAGES := podman runc crun busybox-static fuse-overlayfs attr acl skopeo umoci pigz time \
	python3 clang zlib1g-dev

.PHONY: all install uninstall test unit-test integration-test deps demo bench clean

all: $(BINARY)

$(BINARY): $(SOURCES)
	dotnet publish src/ArchiveOverlay -c $(CONFIGURATION) -o $(BUILD)/publish -nologo -v quiet
	install -m 0755 $(BUILD)/publish/archive_overlay $@

install: $(BINARY)
	install -D -m 0755 $(BINARY) $(DESTDIR)$(LIBEXECDIR)/archive_overlay
	install -d $(DESTDIR)$(HOOKSDIR)
	sed 's|@HOOK_PATH@|$(LIBEXECDIR)/archive_overlay|' packaging/archive-overlay.json.in \
		> $(DESTDIR)$(HOOKSDIR)/archive-overlay.json
	chmod 0644 $(DESTDIR)$(HOOKSDIR)/archive-overlay.json

uninstall:
	rm -f $(DESTDIR)$(LIBEXECDIR)/archive_overlay $(DESTDIR)$(HOOKSDIR)/archive-overlay.json

# Installs what the tests run against; a no-op when everything is there already.
deps:
	@missing=$$(for p in $(TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

test: deps $(BINARY)
	ARCHIVE_OVERLAY_BIN=$(abspath $(BINARY)) tests/run-tests

unit-test:
	tests/run-tests unit

integration-test: deps $(BINARY)
	ARCHIVE_OVERLAY_BIN=$(abspath $(BINARY)) tests/run-tests integration

demo: deps
	$(MAKE) install PREFIX=$(abspath $(BUILD))/demo/prefix
	HOOK_BIN=$(abspath $(BUILD))/demo/prefix/libexec/oci/hooks.d/archive_overlay \
	HOOK_CONFIG=$(abspath $(BUILD))/demo/prefix/share/containers/oci/hooks.d/archive-overlay.json \
	demo/demo.sh

bench: deps $(BINARY)
	bench/run.sh $(abspath $(BINARY))

clean:
	rm -rf $(BUILD)
	find src tests -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} +
