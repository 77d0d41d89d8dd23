#!/usr/bin/env bash
# CI: a one-node Slurm cluster on this machine (munge + slurmctld + slurmd from Debian packages) for the
# *.slurm.test.ts suites. Runs as root; idempotent: a second run leaves a healthy cluster as it is.
set -euo pipefail

NODE=$(hostname -s)
CONF_DIR=/etc/slurm
CONF=$CONF_DIR/slurm.conf
LOG_DIR=/var/log/slurm

log() { printf '[slurm.sh] %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
  echo "slurm.sh: run as root (it installs packages, writes /etc/slurm and starts daemons)" >&2
  exit 2
fi

# 1. Packages.
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
  log "installing slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends slurm-wlm slurm-client munge >/dev/null
fi

# 2. munge: a key and a running daemon.
install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
install -d -o munge -g munge -m 0755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
  log "creating a munge key"
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
fi
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  log "starting munged"
  runuser -u munge -- /usr/sbin/munged
  for _ in $(seq 1 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.2; done
  munge -n | unmunge >/dev/null
fi

# 3. slurm.conf for one node with this machine's CPUs and memory (a little memory held back for the OS).
CPUS=$(nproc --all)
MEM_MB=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
install -d -m 0755 "$CONF_DIR" "$LOG_DIR" /var/spool/slurmctld /var/spool/slurmd
touch "$LOG_DIR/jobcomp.log"
new_conf=$(mktemp)
cat >"$new_conf" <<EOF
# Written by .ci/slurm.sh: a one-node test cluster. Do not edit by hand; rerun the script.
ClusterName=adrs-ci
SlurmctldHost=$NODE
AuthType=auth/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
MpiDefault=none
SwitchType=switch/none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=5
# No slurmdbd here, so sacct knows nothing: finished jobs are kept an hour for scontrol, and also logged to a file.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$LOG_DIR/jobcomp.log
MinJobAge=3600
KillWait=5
# Requeued jobs (preemption, node failure) may start again after this many seconds (default 120).
AuthInfo=cred_expire=20
ReturnToService=2
SlurmdTimeout=60
NodeName=$NODE CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
changed=0
if ! cmp -s "$new_conf" "$CONF"; then
  log "writing $CONF (node $NODE, $CPUS CPUs, $MEM_MB MB)"
  install -m 0644 "$new_conf" "$CONF"
  changed=1
fi
rm -f "$new_conf"

# 4. Daemons: (re)start what is not running, or everything when the configuration changed.
running() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
stop() {
  if running "$1"; then
    local pid
    pid=$(cat "$1")
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
}
if [ "$changed" = 1 ]; then
  stop /run/slurmd.pid
  stop /run/slurmctld.pid
fi
if ! running /run/slurmctld.pid; then
  log "starting slurmctld"
  /usr/sbin/slurmctld
fi
if ! running /run/slurmd.pid; then
  log "starting slurmd"
  /usr/sbin/slurmd
fi

# 5. Wait until the node is idle (or mixed/allocated, when jobs of an earlier run still hold it).
for i in $(seq 1 120); do
  state=$(sinfo -h -n "$NODE" -o '%T' 2>/dev/null | head -n1 || true)
  case "$state" in
    idle | mixed | allocated | completing)
      log "node $NODE is $state after ${i} check(s)"
      exit 0
      ;;
    down* | drain* | unknown*)
      # A node left down by an earlier daemon comes back once slurmd registers again.
      scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 || true
      ;;
  esac
  sleep 1
done
echo "slurm.sh: node $NODE did not become idle (state: ${state:-none}); see $LOG_DIR/slurmctld.log and $LOG_DIR/slurmd.log" >&2
sinfo >&2 || true
exit 1
