#!/usr/bin/env bash
# Builds the Kubernetes binaries the tests run, from the Go module proxy (no registry ships them),
# through the Go toolchain only (`go mod download`, `go build`), so GOPROXY mirrors work:
#   kube-apiserver            k8s.io/kubernetes vK8S_VERSION
#   etcd                      go.etcd.io/etcd/server/v3 at the version that Kubernetes' go.mod
#                             requires (3.6.x for 1.34). Debian's etcd 3.4 cannot serve the
#                             watch-list requests (sendInitialEvents=true) that fabric8 7.x sends
#                             for Spark's pod watches: the API server answers HTTP 500.
#   --node adds kubelet, kube-scheduler, kube-controller-manager (the real node, e2e/node/).
# and lays out what fabric8's kube-api-test expects:
#   $KUBE_API_TEST_DIR/k8s/<version>-linux-amd64/{kube-apiserver,etcd,kubectl}
# Cached under ~/.cache/streaming-pipeline-operator: a second run with the binaries present does
# nothing. A cold build takes about 10 min on 2 cores (kube-apiserver), --node about 5 min more.
set -euo pipefail
VERSION="${K8S_VERSION:-1.34.4}"
MINOR="${VERSION#*.}"; MINOR="${MINOR%%.*}"; STAGING="v0.${VERSION#*.}"   # 1.34.4 -> v0.34.4
CACHE="${SPO_CACHE:-$HOME/.cache/streaming-pipeline-operator}"
export KUBE_API_TEST_DIR="${KUBE_API_TEST_DIR:-$CACHE/kube-api-test}"
out="$KUBE_API_TEST_DIR/k8s/${VERSION}-linux-amd64"
bin="$CACHE/k8s/${VERSION}/bin"       # the binaries themselves; $out holds kube-api-test's view
export PATH="$PATH:/usr/local/go/bin"

components=(kube-apiserver)
[[ "${1:-}" == "--node" ]] && components+=(kubelet kube-scheduler kube-controller-manager)

mkdir -p "$out" "$bin"
command -v kubectl >/dev/null || { echo "kubectl is needed (apt-get install kubernetes-client)" >&2; exit 1; }
ln -sf "$(command -v kubectl)" "$out/kubectl"

want=()
for c in "${components[@]}"; do [[ -x "$bin/$c" ]] || want+=("k8s.io/kubernetes/cmd/$c"); done
if ((${#want[@]})) || [[ ! -x "$bin/etcd" ]]; then
  command -v go >/dev/null || { echo "Go is needed to build the Kubernetes binaries" >&2; exit 1; }
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  cd "$work"
  # Kubernetes' own go.mod names its staging modules as v0.0.0; they resolve to v0.<minor>.<patch>.
  # `go mod download -json` prints where the toolchain put that go.mod (GOPROXY is honoured).
  gomod=$(go mod download -json "k8s.io/kubernetes@v${VERSION}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  [[ -f "$gomod" ]] || { echo "go mod download named no go.mod for k8s.io/kubernetes@v${VERSION}" >&2; exit 1; }
  staging=$(awk '$1 ~ /^k8s.io\// && $2 == "v0.0.0" {print $1}' "$gomod")
  {
    echo "module spo.dev/k8s-binaries"; echo; echo "go 1.24.0"; echo
    echo "require k8s.io/kubernetes v${VERSION}"; echo
    echo "replace ("; for m in $staging; do echo "	$m => $m ${STAGING}"; done; echo ")"
  } > go.mod
  {
    echo "//go:build tools"; echo; echo "// Pins the main packages this module builds."; echo "package tools"; echo
    echo "import ("
    for c in "${components[@]}"; do echo "	_ \"k8s.io/kubernetes/cmd/$c\""; done
    echo "	_ \"go.etcd.io/etcd/server/v3\""   # the etcd that Kubernetes' module graph selects
    echo ")"
  } > tools.go
  export GOFLAGS=-mod=mod
  go mod tidy
  if ((${#want[@]})); then
    CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=v${VERSION} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${MINOR}" \
      -o "$bin/" "${want[@]}"
  fi
  [[ -x "$bin/etcd" ]] || CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$bin/etcd" go.etcd.io/etcd/server/v3
  cd - >/dev/null
fi
ln -sf "$bin/kube-apiserver" "$out/kube-apiserver"

# kube-api-test starts etcd listening on all interfaces; this wrapper keeps it on loopback.
# It also keeps etcd's data in memory (/dev/shm) unless ETCD_DATA_ON_DISK=1: a test cluster
# needs no durability, and waiting for fsync on this machine's disk made etcd the bottleneck
# of the real-API-server tests and of bench/operator-scale.sh (100% iowait).
rm -f "$out/etcd"
cat > "$out/etcd" <<WRAPPER
#!/usr/bin/env bash
shm=/dev/shm
# What etcds killed before they could clean up left in memory (each directory is named after
# its etcd's pid: exec keeps this script's pid).
for d in "\$shm"/spo-etcd-*; do
  [[ -d "\$d" ]] && ! kill -0 "\${d##*-}" 2>/dev/null && rm -rf "\$d"
done
in_memory=""
[[ -z "\${ETCD_DATA_ON_DISK:-}" && -w "\$shm" ]] && in_memory="\$shm/spo-etcd-\$\$"
args=()
flag=""
for a in "\$@"; do
  case "\$flag" in
    -data-dir|--data-dir|-wal-dir|--wal-dir) [[ -n "\$in_memory" ]] && a="\$in_memory/\${a##*/}" ;;
  esac
  args+=("\${a//0.0.0.0/127.0.0.1}")
  flag="\$a"
done
exec "$bin/etcd" "\${args[@]}"
WRAPPER
chmod +x "$out/etcd"
echo "Kubernetes $VERSION binaries in $bin: $(cd "$bin" && echo *); etcd $("$bin/etcd" --version | awk '/etcd Version/ {print $3}')"
