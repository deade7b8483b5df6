#!/usr/bin/env bash
# A real single-node Kubernetes cluster for the end-to-end tests, without Docker and without any
# image registry (from ../../shared/real-node, the recipe that proved it on these machines):
#   etcd 3.6, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet (k8s.io/kubernetes
#   v$K8S_VERSION, built by e2e/apiserver/build.sh --node and cached under
#   ~/.cache/streaming-pipeline-operator), CoreDNS (built from the Go module proxy, cached),
#   containerd + runc + CNI bridge/host-local/loopback (Debian packages). No kube-proxy: one
#   iptables DNAT rule stands in for it for the `kubernetes` Service only.
# Images are built here (e2e/node/images.sh) and imported into containerd; pods use
# imagePullPolicy: Never or IfNotPresent with docker.io/local/... names.
#
# Everything listens on 127.0.0.1 or on the CNI bridge address 10.244.0.1 (created here), on
# non-default ports. Pods get 10.244.0.0/24 addresses in their own network namespaces; ipMasq is
# off and IP forwarding is left as it was (0), so no pod packet can leave this machine; CoreDNS
# answers cluster.local only and forwards nothing.
#
# Caveats kept from the recipe: containerd's restrict_oom_score_adj (root lacks CAP_SYS_RESOURCE
# here), etcd 3.6 (3.4 cannot serve watch-list requests), the DNAT rule, CoreDNS for headless
# Services, kubelet's three host sysctls restored by down.sh.
#
# usage: up.sh                       build what is missing, start the cluster (idempotent)
#        up.sh --only FUNC...        single steps (packages binaries images pki configs network
#                                    start_etcd start_apiserver start_controllers start_coredns
#                                    start_containerd start_kubelet)
#        down.sh [--purge]           stop it and clean up (see down.sh)
# Env: SPO_NODE_DIR (default /tmp/spo-node): state, configs, PKI, logs; timings in $R/timings.txt.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-1.34.4}
R=${SPO_NODE_DIR:-/tmp/spo-node}
CACHE=${SPO_CACHE:-$HOME/.cache/streaming-pipeline-operator}
NODE=spo-node
NODE_IP=10.244.0.1           # the bridge's own address: apiserver, kubelet and pods' gateway
BRIDGE=cni0
POD_CIDR=10.244.0.0/24
SVC_CIDR=10.96.0.0/16
ETCD_PORT=12379; ETCD_PEER_PORT=12380; API_PORT=16443
KUBELET_PORT=11250; KUBELET_HEALTHZ_PORT=11248; KCM_PORT=17257; SCHED_PORT=17259
DNS=1          # 1: CoreDNS on $NODE_IP:53 serving cluster.local only (no forwarding)
COREDNS_VERSION=${COREDNS_VERSION:-1.15.0}; COREDNS_HEALTH_PORT=18080; COREDNS_READY_PORT=18181
VAR=/var/lib/spo-node; RUNDIR=/run/spo-node; PODLOGS=/var/log/spo-node-pods
ETCD_DATA=/dev/shm/spo-node-etcd
SOCK=$RUNDIR/containerd/containerd.sock
BIN=$R/bin; ETC=$R/etc; PKI=$R/pki; LOG=$R/logs; PIDS=$R/run
IMG=$CACHE/images   # pause and the JRE base: cached across runs; the project images go to $R/images
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PATH=/usr/local/go/bin:$PATH
KUBECTL=(kubectl --kubeconfig "$ETC/admin.kubeconfig")
SVC_DNAT_RULE=(-s "$POD_CIDR" -d 10.96.0.1/32 -p tcp --dport 443 -m comment --comment spo-node-kubernetes-svc
  -j DNAT --to-destination "$NODE_IP:$API_PORT")

mkdir -p "$R" "$BIN" "$ETC" "$PKI" "$LOG" "$PIDS" "$IMG"
T_START=$(date +%s)
tick() { echo "[$(date +%T)] $*"; }
timed() { # timed LABEL CMD...: runs CMD, records its duration
  local label=$1 s e; shift; s=$(date +%s.%N)
  "$@"
  e=$(date +%s.%N)
  printf '%s %-28s %7.1f s\n' "$(date +%FT%T)" "$label" "$(echo "$e - $s" | bc)" | tee -a "$R/timings.txt"
}
wait_for() { # wait_for SECONDS DESCRIPTION CMD...
  local n=$1 what=$2; shift 2
  for _ in $(seq 1 "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  echo "timed out after ${n}s waiting for $what" >&2; return 1
}
# Every component runs in cgroup "spo-node" (pids, memory, cpuacct): containerd's shims inherit it,
# so down.sh finds every leftover process by reading cgroup.procs (never by name), and
# memory.max_usage_in_bytes gives the whole control plane's peak memory.
CG=spo-node; CG_CTRLS="pids memory cpuacct"
start_bg() { # start_bg NAME CMD...: detached, in cgroup $CG, logs to $LOG/NAME.log, pid in $PIDS/NAME.pid
  local name=$1 c; shift
  if [ -f "$PIDS/$name.pid" ] && kill -0 "$(cat "$PIDS/$name.pid")" 2>/dev/null; then
    tick "$name already running (pid $(cat "$PIDS/$name.pid"))"; return 0
  fi
  for c in $CG_CTRLS; do mkdir -p "/sys/fs/cgroup/$c/$CG"; done
  setsid bash -c 'for c in $1; do echo $$ > "/sys/fs/cgroup/$c/$2/cgroup.procs"; done; shift 2; exec "$@"' \
    _ "$CG_CTRLS" "$CG" "$@" >>"$LOG/$name.log" 2>&1 < /dev/null &
  echo $! > "$PIDS/$name.pid"
  tick "started $name (pid $!)"
}

# The machine's own Debian sources (deb822 or one-line format): the image uses the same mirror
# the host's apt uses, so no address is written here.
host_apt_sources() {
  local f
  for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
    [ -s "$f" ] && { echo "$f"; return 0; }
  done
  echo "no Debian apt sources found on this machine" >&2; return 1
}

# ---------------------------------------------------------------------------------------------
# 1. Debian packages
packages() {
  # also used, already on this machine kind: go, gcc, python3, openssl, curl, kubectl (and a JDK
  # for verify.sh and spark/)
  local pkgs=(containerd runc containernetworking-plugins mmdebstrap iptables bc)
  local missing=()
  for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  apt-get -o DPkg::Lock::Timeout=1200 update
  apt-get -o DPkg::Lock::Timeout=1200 install -y --no-install-recommends "${missing[@]}"
}

# ---------------------------------------------------------------------------------------------
# 2. Kubernetes binaries from the Go module proxy (same recipe as e2e/apiserver/build.sh)
binaries() {
  # kube-apiserver, kubelet, kube-scheduler, kube-controller-manager and etcd 3.6: one module
  # graph, built and cached by the script CI already runs for the API-server tests
  bash "$HERE/../apiserver/build.sh" --node
  local c cached=$CACHE/k8s/$K8S_VERSION/bin
  for c in kubelet kube-scheduler kube-controller-manager kube-apiserver etcd; do ln -sf "$cached/$c" "$BIN/$c"; done
  local dns=$CACHE/coredns/$COREDNS_VERSION/coredns
  if [ ! -x "$dns" ]; then build_coredns "$dns"; fi
  ln -sf "$dns" "$BIN/coredns"
}

# ---------------------------------------------------------------------------------------------
# CoreDNS with only the plugins a test cluster needs (no forward plugin: it answers cluster.local
# and reverse lookups, refuses the rest, and never sends a query off this machine)
build_coredns() { # build_coredns OUT
  local out=$1 w; w=$(mktemp -d); cd "$w"
  cat > main.go <<'EOF'
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
)

// plugin.cfg's order, restricted to the plugins above
func init() { dnsserver.Directives = []string{"bind", "ready", "health", "errors", "log", "cache", "kubernetes"} }

func main() { coremain.Run() }
EOF
  printf 'module spo.dev/spo-node-coredns\n\ngo 1.26.0\n\nrequire github.com/coredns/coredns v%s\n' "$COREDNS_VERSION" > go.mod
  GOFLAGS=-mod=mod timed "coredns go mod tidy" go mod tidy
  mkdir -p "$(dirname "$out")"
  GOFLAGS=-mod=mod timed "coredns go build" env CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out" .
  cd - >/dev/null; rm -rf "$w"
}

# ---------------------------------------------------------------------------------------------
# 3. Images: pause (static C binary) and a Debian bookworm JRE (mmdebstrap), as OCI archives
images() {
  mkdir -p "$IMG/src"
  if [ ! -f "$IMG/pause-oci.tar" ]; then
    cat > "$IMG/src/pause.c" <<'EOF'
/* Pod sandbox "pause": sleeps, reaps zombies, exits on SIGINT/SIGTERM. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
static void die(int s) { (void)s; _exit(0); }
static void reap(int s) { (void)s; while (waitpid(-1, 0, WNOHANG) > 0) {} }
int main(void) {
  struct sigaction a = {0};
  a.sa_handler = die;  sigaction(SIGINT, &a, 0); sigaction(SIGTERM, &a, 0);
  a.sa_handler = reap; a.sa_flags = SA_NOCLDSTOP; sigaction(SIGCHLD, &a, 0);
  for (;;) pause();
}
EOF
    rm -rf "$IMG/src/pause-root"; mkdir -p "$IMG/src/pause-root"
    gcc -Os -static -o "$IMG/src/pause-root/pause" "$IMG/src/pause.c"; strip "$IMG/src/pause-root/pause"
    tar --numeric-owner --owner=0 --group=0 -C "$IMG/src/pause-root" -cf "$IMG/src/pause-rootfs.tar" .
    python3 "$HERE/mkoci.py" "$IMG/src/pause-rootfs.tar" docker.io/local/pause:1 "$IMG/pause-oci.tar" --entrypoint '["/pause"]'
  fi
  if [ ! -f "$IMG/jre-oci.tar" ]; then
    # openjdk's postinst needs /usr/share/man/man1 even when man pages are excluded
    timed "mmdebstrap jre rootfs" mmdebstrap --mode=root --variant=minbase \
      --aptopt='APT::Install-Recommends "false"' \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
      --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
      --dpkgopt='path-exclude=/usr/share/info/*' \
      --setup-hook='mkdir -p "$1"/usr/share/man/man1' \
      --include=openjdk-17-jre-headless,ca-certificates,tini,procps \
      --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*' \
      bookworm "$IMG/src/jre-rootfs.tar" "$(host_apt_sources)"
    timed "pack jre OCI image" python3 "$HERE/mkoci.py" "$IMG/src/jre-rootfs.tar" docker.io/local/jre:17 "$IMG/jre-oci.tar" \
      --env JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
    # the rootfs tar (and its cached .gz) stays: spark/build-image.sh uses it as its base layer
  fi
  ls -la "$IMG"/*.tar
}

# ---------------------------------------------------------------------------------------------
# 4. PKI (openssl) and configuration files
pki() {
  [ -f "$PKI/ca.crt" ] && return 0
  cd "$PKI"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 -subj "/CN=spo-node-ca" 2>/dev/null
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  cert() { # name CN O extendedKeyUsage SANs
    local n=$1 cn=$2 o=$3 eku=$4 san=$5 subj="/CN=$2"
    [ -n "$o" ] && subj="/O=$o/CN=$cn"
    openssl req -newkey rsa:2048 -nodes -keyout "$n.key" -out "$n.csr" -subj "$subj" 2>/dev/null
    { echo "basicConstraints=CA:FALSE"; echo "keyUsage=critical,digitalSignature,keyEncipherment"
      echo "extendedKeyUsage=$eku"; if [ -n "$san" ]; then echo "subjectAltName=$san"; fi; } > "$n.ext"
    openssl x509 -req -in "$n.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -out "$n.crt" -extfile "$n.ext" 2>/dev/null
    rm -f "$n.csr" "$n.ext"
  }
  cert apiserver kube-apiserver "" serverAuth \
    "IP:$NODE_IP,IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters clientAuth ""
  cert admin spo-node-admin system:masters clientAuth ""
  cert kubelet "system:node:$NODE" system:nodes clientAuth ""
  cert kubelet-serving "system:node:$NODE" system:nodes serverAuth "IP:$NODE_IP,DNS:$NODE"
  cert controller-manager system:kube-controller-manager "" clientAuth ""
  cert scheduler system:kube-scheduler "" clientAuth ""
  chmod 600 ./*.key
  cd - >/dev/null
}

kubeconfig() { # kubeconfig NAME CERTNAME
  local f="$ETC/$1.kubeconfig"
  kubectl config --kubeconfig "$f" set-cluster spo-node --server "https://$NODE_IP:$API_PORT" \
    --certificate-authority "$PKI/ca.crt" --embed-certs >/dev/null
  kubectl config --kubeconfig "$f" set-credentials "$1" --client-certificate "$PKI/$2.crt" \
    --client-key "$PKI/$2.key" --embed-certs >/dev/null
  kubectl config --kubeconfig "$f" set-context default --cluster spo-node --user "$1" >/dev/null
  kubectl config --kubeconfig "$f" use-context default >/dev/null
}

configs() {
  kubeconfig admin admin
  kubeconfig kubelet kubelet
  kubeconfig controller-manager controller-manager
  kubeconfig scheduler scheduler

  mkdir -p "$ETC/cni/net.d"
  cat > "$ETC/cni/net.d/10-spo-node.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "spo-node",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": false,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$POD_CIDR", "rangeStart": "10.244.0.10", "gateway": "$NODE_IP"}]],
        "routes": [{"dst": "0.0.0.0/0", "gw": "$NODE_IP"}],
        "dataDir": "$VAR/cni/networks"
      }
    }
  ]
}
EOF
  # isGateway=false: the bridge plugin neither adds an address nor turns on ip_forward; the
  # bridge and its address are made by network() below.

  cat > "$ETC/containerd.toml" <<EOF
version = 2
root = "$VAR/containerd"
state = "$RUNDIR/containerd"
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "docker.io/local/pause:1"
  enable_selinux = false
  # this machine's root lacks CAP_SYS_RESOURCE, so runc cannot lower oom_score_adj below its own
  # (the pod sandbox asks for -998): without this every sandbox fails with
  # "runc create failed: unable to start container process: can't get final child's PID from pipe: EOF"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "${SNAPSHOTTER:-overlayfs}"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "$(command -v runc)"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$ETC/cni/net.d"
    max_conf_num = 1
EOF

  # for pods with dnsPolicy Default (and all pods when DNS off): lookups fail fast in the pod
  echo "nameserver 127.0.0.1" > "$ETC/resolv.conf"
  local cluster_dns="clusterDNS: []"
  if [ "$DNS" = 1 ]; then
    cluster_dns="clusterDNS: [$NODE_IP]"
    kubeconfig coredns admin   # the spike reads Services/EndpointSlices with the admin identity
    cat > "$ETC/Corefile" <<EOF
cluster.local:53 in-addr.arpa:53 {
    bind $NODE_IP
    ready 127.0.0.1:$COREDNS_READY_PORT
    health 127.0.0.1:$COREDNS_HEALTH_PORT
    errors
    cache 30
    kubernetes cluster.local in-addr.arpa {
        kubeconfig $ETC/coredns.kubeconfig default
        pods insecure
        fallthrough in-addr.arpa
    }
}
EOF
  fi

  cat > "$ETC/kubelet-config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix://$SOCK
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
podCIDR: $POD_CIDR
clusterDomain: cluster.local
$cluster_dns
resolvConf: $ETC/resolv.conf
podLogsDir: $PODLOGS
makeIPTablesUtilChains: false
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: "100Mi"
  nodefs.available: "1%"
  nodefs.inodesFree: "1%"
  imagefs.available: "1%"
  imagefs.inodesFree: "1%"
evictionPressureTransitionPeriod: 30s
maxPods: 50
EOF
}

# ---------------------------------------------------------------------------------------------
# 5. Host network: the CNI bridge with the node address (before the apiserver binds to it)
network() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
  fi
  [[ "$(ip addr show dev "$BRIDGE")" == *"inet $NODE_IP/"* ]] || ip addr add "$NODE_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  # A one-rule stand-in for kube-proxy, for the kubernetes Service only: pods' in-cluster config
  # (KUBERNETES_SERVICE_HOST=10.96.0.1, port 443) reaches the apiserver on the bridge address. The
  # destination is local, so nothing is forwarded.
  iptables -t nat -C PREROUTING "${SVC_DNAT_RULE[@]}" 2>/dev/null || iptables -t nat -A PREROUTING "${SVC_DNAT_RULE[@]}"
  [ -f "$R/host-sysctls.orig" ] || for k in vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops \
      kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.ipv4.ip_forward; do
    echo "$k=$(sysctl -n $k)"; done > "$R/host-sysctls.orig"
}

# ---------------------------------------------------------------------------------------------
# 6. Start the components
start_etcd() {
  start_bg etcd "$BIN/etcd" --name spo-node --data-dir "$ETCD_DATA" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "spo-node=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state new
  wait_for 30 etcd curl -fsS "http://127.0.0.1:$ETCD_PORT/health"
}

start_apiserver() {
  start_bg kube-apiserver "$BIN/kube-apiserver" \
    --advertise-address "$NODE_IP" --bind-address "$NODE_IP" --secure-port "$API_PORT" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --client-ca-file "$PKI/ca.crt" --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types InternalIP,Hostname \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --service-cluster-ip-range "$SVC_CIDR" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --allow-privileged=true --profiling=false
  wait_for 90 kube-apiserver "${KUBECTL[@]}" get --raw /readyz
}

start_controllers() {
  start_bg kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig "$ETC/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$ETC/controller-manager.kubeconfig" --authorization-kubeconfig "$ETC/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$KCM_PORT" --leader-elect=false \
    --controllers '*' --use-service-account-credentials=true \
    --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --service-cluster-ip-range "$SVC_CIDR" --allocate-node-cidrs=true --cluster-cidr "$POD_CIDR" --node-cidr-mask-size 24 \
    --profiling=false
  start_bg kube-scheduler "$BIN/kube-scheduler" \
    --kubeconfig "$ETC/scheduler.kubeconfig" \
    --authentication-kubeconfig "$ETC/scheduler.kubeconfig" --authorization-kubeconfig "$ETC/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$SCHED_PORT" --leader-elect=false --profiling=false
}

start_containerd() {
  mkdir -p "$VAR" "$RUNDIR"
  start_bg containerd /usr/bin/containerd --config "$ETC/containerd.toml"
  wait_for 30 containerd ctr --address "$SOCK" version
  local f i
  for f in "$IMG"/*-oci.tar; do   # pause and jre; images.sh imports the project's images
    i=$(basename "$f" -oci.tar)
    [[ "$(ctr --address "$SOCK" -n k8s.io images ls -q)" == *"docker.io/local/$i:"* ]] && continue
    timed "ctr import $i" ctr --address "$SOCK" -n k8s.io images import "$f"
  done
  ctr --address "$SOCK" -n k8s.io images ls | awk 'NR==1 || /local\//'
}

start_coredns() {
  [ "$DNS" = 1 ] || return 0
  start_bg coredns "$BIN/coredns" -conf "$ETC/Corefile"
  wait_for 60 coredns curl -fsS "http://127.0.0.1:$COREDNS_READY_PORT/ready"
}

start_kubelet() {
  mkdir -p "$VAR/kubelet" "$PODLOGS"
  start_bg kubelet "$BIN/kubelet" --config "$ETC/kubelet-config.yaml" --kubeconfig "$ETC/kubelet.kubeconfig" \
    --root-dir "$VAR/kubelet" --hostname-override "$NODE" --node-ip "$NODE_IP" --v=1
  wait_for 120 "node $NODE Ready" "${KUBECTL[@]}" wait --for=condition=Ready "node/$NODE" --timeout=2s
}

main() {
  timed "packages" packages
  timed "binaries" binaries
  timed "images" images
  pki; configs; network
  local t0; t0=$(date +%s.%N)
  timed "start etcd" start_etcd
  timed "start kube-apiserver" start_apiserver
  timed "start controllers+scheduler" start_controllers
  timed "start coredns" start_coredns
  timed "start containerd+import" start_containerd
  timed "start kubelet -> Ready" start_kubelet
  printf '%s %-28s %7.1f s\n' "$(date +%FT%T)" "cluster start to Node Ready" "$(echo "$(date +%s.%N) - $t0" | bc)" | tee -a "$R/timings.txt"
  "${KUBECTL[@]}" get nodes -o wide
  echo "export KUBECONFIG=$ETC/admin.kubeconfig"
}

if [ "${1:-}" = "--only" ]; then shift; for f in "$@"; do timed "$f" "$f"; done; else main; fi
