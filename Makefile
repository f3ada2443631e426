# Harmattan: `make run` serves the built-in dataset, `make test` runs every test. Both install
# what they need on a fresh Debian machine with Go (gcc for cgo SQLite; gdal-bin, npm, chromium,
# PostgreSQL 15 and PostGIS 3 for the tests) when it is missing. The tests use the PostGIS
# server named by HARMATTAN_TEST_POSTGRES, or start a local one (data/postgis/testserver.sh).
SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends

.PHONY: run test build-deps test-deps vendor-check

run: build-deps
	go run ./cmd/harmattan serve

build-deps:
	@command -v gcc >/dev/null || { $(SUDO) apt-get update -qq && $(APT_INSTALL) gcc libc6-dev; }

test-deps: build-deps
	@command -v ogrinfo >/dev/null && command -v ogr2ogr >/dev/null || { $(SUDO) apt-get update -qq && $(APT_INSTALL) gdal-bin; }
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && $(APT_INSTALL) nodejs npm; }
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update -qq && $(APT_INSTALL) chromium; }

# The vendored front-end files must be exactly what the npm lock file produces.
vendor-check: test-deps
	cd web && npm ci --no-audit --no-fund --loglevel=error && npm run --silent vendor
	@if git rev-parse --git-dir >/dev/null 2>&1; then git diff --exit-code --stat -- web/static/vendor || { echo "web/static/vendor differs from npm run vendor: commit the regenerated files"; exit 1; }; fi

test: test-deps vendor-check
	@test -z "$$(gofmt -l $$(go list -f '{{.Dir}}' ./...))" || { gofmt -l $$(go list -f '{{.Dir}}' ./...); echo "gofmt needed"; exit 1; }
	go vet ./...
	@# Every package, with the store conformance suite and the replica tests on PostGIS; then the
	@# HTTP tests once more with PostGIS as their store. Then the browser tests (web/e2e/: the
	@# real binary on localhost, driven in Debian's Chromium), on a GeoPackage and on PostGIS.
	@url="$${HARMATTAN_TEST_POSTGRES:-$$(bash data/postgis/testserver.sh)}" && \
	  echo "go test ./... (PostGIS at $${url##*@})" && HARMATTAN_TEST_POSTGRES="$$url" go test ./... && \
	  echo "go test ./web on PostGIS" && HARMATTAN_TEST_POSTGRES="$$url" HARMATTAN_TEST_STORE=postgis go test ./web && \
	  echo "browser tests on a GeoPackage" && (cd web && npm test) && \
	  echo "browser tests on PostGIS" && (cd web && HARMATTAN_E2E_POSTGRES="$$url" npm test)
