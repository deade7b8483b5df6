#!/usr/bin/env bash
# Builds FerretDB (a MongoDB-wire-compatible server that stores documents in PostgreSQL) from the
# Go module proxy, through the Go toolchain only (`go mod download`, `go build`), for the MongoDB
# sink's tests: Debian ships no mongod, and FerretDB 1.x runs on the plain PostgreSQL the suite
# already starts. Prints nothing but errors; cached under ~/.cache/streaming-pipeline-operator:
#   $CACHE/ferretdb/<version>/ferretdb
# A cold build takes about 2 minutes on 2 cores.
set -euo pipefail
VERSION="${FERRETDB_VERSION:-v1.24.2}"
CACHE="${SPO_CACHE:-$HOME/.cache/streaming-pipeline-operator}"
out="$CACHE/ferretdb/$VERSION"
[[ -x "$out/ferretdb" ]] && exit 0
export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "Go is needed to build FerretDB" >&2; exit 1; }
work="$(mktemp -d)"
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
src=$(go mod download -json "github.com/FerretDB/FerretDB@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[[ -d "$src" ]] || { echo "go mod download named no source directory for FerretDB $VERSION" >&2; exit 1; }
# The module cache is read-only, and FerretDB reads its version from build/version/version.txt,
# which its release tooling writes: copy the source and write the file.
cp -r "$src" "$work/src"
chmod -R u+w "$work/src"
echo "$VERSION" > "$work/src/build/version/version.txt"
mkdir -p "$out"
(cd "$work/src" && CGO_ENABLED=0 go build -trimpath -o "$out/ferretdb.tmp" ./cmd/ferretdb)
mv "$out/ferretdb.tmp" "$out/ferretdb"
