#!/usr/bin/env bash
# Tears down what up.sh started, in order: pods (through the API, so kubelet stops them and CNI
# releases their addresses), kubelet, remaining CRI tasks, controllers, apiserver, etcd,
# containerd, leftover shims (by the shim.pid files containerd wrote), mounts, network namespaces,
# the cni0 bridge, cgroups; restores the kernel settings kubelet changed. Processes are stopped only
# by the PIDs recorded in $R/run (never by name).
#   down.sh          keeps $R/bin, $R/images, $R/pki, logs (a later up.sh starts in ~30 s)
#   down.sh --purge  also removes $R entirely (the caches in ~/.cache/streaming-pipeline-operator stay)
set -uo pipefail
R=${SPO_NODE_DIR:-/tmp/spo-node}
VAR=/var/lib/spo-node; RUNDIR=/run/spo-node; PODLOGS=/var/log/spo-node-pods; ETCD_DATA=/dev/shm/spo-node-etcd
SOCK=$RUNDIR/containerd/containerd.sock; BRIDGE=cni0
PIDS=$R/run
export KUBECONFIG=$R/etc/admin.kubeconfig
tick() { echo "[$(date +%T)] $*"; }

stop_pid() { # stop_pid NAME [GRACE_SECONDS]
  local name=$1 grace=${2:-15} f="$PIDS/$1.pid" pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq $((grace * 5))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null; tick "$name (pid $pid) killed"; else tick "$name (pid $pid) stopped"; fi
  fi
  rm -f "$f"
}

# 1. pods first, while kubelet and the API are up
if [ -f "$PIDS/kube-apiserver.pid" ] && kubectl get --raw /readyz >/dev/null 2>&1; then
  tick "deleting all pods"
  kubectl delete pods --all --all-namespaces --wait=true --timeout=90s 2>&1 | tail -3 || true
  kubectl delete pvc --all --all-namespaces --wait=false >/dev/null 2>&1 || true
fi
stop_pid kubelet 20

# 2. whatever the runtime still runs (sandboxes kubelet had no time to remove)
if [ -S "$SOCK" ]; then
  for id in $(ctr --address "$SOCK" -n k8s.io tasks ls -q 2>/dev/null); do
    ctr --address "$SOCK" -n k8s.io tasks kill -s SIGKILL "$id" >/dev/null 2>&1
  done
  sleep 1
  for id in $(ctr --address "$SOCK" -n k8s.io tasks ls -q 2>/dev/null); do
    ctr --address "$SOCK" -n k8s.io tasks delete -f "$id" >/dev/null 2>&1
  done
  for id in $(ctr --address "$SOCK" -n k8s.io containers ls -q 2>/dev/null); do
    ctr --address "$SOCK" -n k8s.io containers delete "$id" >/dev/null 2>&1
  done
fi

# 3. control plane and runtime
for c in kube-scheduler kube-controller-manager coredns kube-apiserver etcd containerd; do stop_pid "$c" 15; done

# 4. shims and container processes still alive: every process up.sh started (and the shims
#    containerd started) is in cgroup "spo-node"; pods' processes are in kubelet's "kubepods"
for d in /sys/fs/cgroup/pids/kubepods /sys/fs/cgroup/pids/spo-node; do
  [ -d "$d" ] || continue
  for pid in $(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null); do
    cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | cut -c1-70)
    kill -KILL "$pid" 2>/dev/null && tick "killed leftover pid $pid ($cmd)"
  done
done
sleep 0.5

# 5. mounts made by kubelet (root dir, volumes), containerd (rootfs, shm) and CRI (netns)
netns=$(ls -d /run/netns/cni-* 2>/dev/null)
for pass in 1 2 3; do
  mounts=$(findmnt -rn -o TARGET | grep -E "^($VAR|$RUNDIR)(/|$)|^/run/netns/cni-" | sort -r)
  [ -z "$mounts" ] && break
  for m in $mounts; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
done
left=$(findmnt -rn -o TARGET | grep -E "^($VAR|$RUNDIR)(/|$)|^/run/netns/cni-")
[ -n "$left" ] && { echo "mounts left, not deleting state:" >&2; echo "$left" >&2; exit 1; }
for n in $netns; do rm -f "$n"; done
rmdir /run/netns 2>/dev/null || true   # only if empty

# 6. network: the bridge (pod veths went with their namespaces) and the kubernetes-Service DNAT rule
ip link show "$BRIDGE" >/dev/null 2>&1 && ip link del "$BRIDGE" && tick "deleted bridge $BRIDGE"
while iptables -t nat -D PREROUTING -s 10.244.0.0/24 -d 10.96.0.1/32 -p tcp --dport 443 \
    -m comment --comment spo-node-kubernetes-svc -j DNAT --to-destination 10.244.0.1:16443 2>/dev/null; do
  tick "removed DNAT rule"; done

# 7. cgroups kubelet and containerd made (deepest first; only empty ones can go)
for ctl in /sys/fs/cgroup/*/; do
  for top in kubepods k8s.io spo-node; do
    [ -d "$ctl$top" ] && find "$ctl$top" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
done

# 8. kernel settings kubelet changed (vm.overcommit_memory, kernel.panic, kernel.panic_on_oops, ...)
if [ -f "$R/host-sysctls.orig" ]; then
  while IFS='=' read -r k v; do sysctl -qw "$k=$v"; done < "$R/host-sysctls.orig"
  rm -f "$R/host-sysctls.orig"; tick "restored kernel settings"
fi

# 9. state
rm -rf --one-file-system "$VAR" "$RUNDIR" "$PODLOGS" "$ETCD_DATA"
if [ "${1:-}" = "--purge" ]; then rm -rf --one-file-system "$R"; tick "purged $R"; fi
tick "down"
