#!/usr/bin/env bash
# The whole meshgw test suite, runnable on a fresh Debian machine.
#
# Run as root, it installs what the suite needs (Debian packages with apt-get,
# Go tools through the Go module proxy), then checks formatting, vet and
# staticcheck, and runs every package's tests with the race detector,
# including each fuzz target's seed corpus. Tests that need root, network
# namespaces, nftables, tshark or the qemu VM skip outside CI and fail when
# CI=true and what they need is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

STATICCHECK_VERSION=v0.8.2

log() { printf '== %s\n' "$*"; }

# System packages: command -> Debian package.
declare -A pkgs=(
  [tshark]=tshark
  [nft]=nftables
  [ip]=iproute2
  [gcc]=gcc
  [sysctl]=procps
)
missing=()
for cmd in "${!pkgs[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${pkgs[$cmd]}")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -eq 0 ]; then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    log "not root: cannot install ${missing[*]}; tests that need them will skip"
  fi
fi

if ! command -v go >/dev/null 2>&1; then
  if [ -x /usr/local/go/bin/go ]; then
    export PATH="/usr/local/go/bin:$PATH"
  else
    echo "go 1.26 or newer is required (https://go.dev/dl/)" >&2
    exit 1
  fi
fi
go version

log "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" >&2
  echo "$unformatted" >&2
  exit 1
fi

log "go vet"
go vet ./...

log "staticcheck $STATICCHECK_VERSION"
go run "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION" ./...

log "go test -race (unit, integration and fuzz seed corpora)"
go test -race -count=1 -timeout 20m ./...
