#!/usr/bin/env bash
# Builds kube-apiserver from the Go module proxy (no registry ships the binary) and lays out
# what fabric8's kube-api-test expects:
#   $KUBE_API_TEST_DIR/k8s/<version>-linux-amd64/{kube-apiserver,etcd,kubectl}
# Cached: a second run with the binary present does nothing. A cold build takes 10-20 min.
set -euo pipefail
VERSION="${K8S_VERSION:-1.34.4}"
MINOR="${VERSION#*.}"; MINOR="${MINOR%%.*}"; STAGING="v0.${VERSION#*.}"   # 1.34.4 -> v0.34.4
export KUBE_API_TEST_DIR="${KUBE_API_TEST_DIR:-$HOME/.cache/streaming-pipeline-operator/kube-api-test}"
out="$KUBE_API_TEST_DIR/k8s/${VERSION}-linux-amd64"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

mkdir -p "$out"
ln -sf "$(command -v kubectl)" "$out/kubectl"
etcd_bin="$(command -v etcd || true)"
[ -n "$etcd_bin" ] || { echo "etcd not found: apt-get install etcd-server" >&2; exit 1; }
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
exec "$etcd_bin" "\${args[@]}"
WRAPPER
chmod +x "$out/etcd"

if [ -x "$out/kube-apiserver" ]; then
  echo "kube-apiserver $VERSION cached at $out"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/main.go" "$work/"
cd "$work"
# The staging modules Kubernetes requires as v0.0.0 resolve to their v0.<minor>.<patch> tags.
staging=$(curl -fsSL "https://proxy.golang.org/k8s.io/kubernetes/@v/v${VERSION}.mod" \
  | awk '$1 ~ /^k8s.io\// && $2 == "v0.0.0" {print $1}')
{
  echo "module spo.dev/kube-apiserver"
  echo
  echo "go 1.24.0"
  echo
  echo "require k8s.io/kubernetes v${VERSION}"
  echo
  echo "replace ("
  for m in $staging; do echo "	$m => $m ${STAGING}"; done
  echo ")"
} > go.mod
export GOFLAGS=-mod=mod
go mod tidy
CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=v${VERSION} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${MINOR}" \
  -o "$out/kube-apiserver" .
echo "built kube-apiserver $VERSION at $out"
