#!/usr/bin/env bash
# slurm_cluster.sh start DIR | stop DIR: a private one-node SLURM cluster (Debian's slurm-wlm and munge), all of
# its state, spool, sockets and logs under DIR, on ports of its own; for tests, as root without systemd.
# After `start`, clients use it with SLURM_CONF=DIR/slurm.conf. `stop` ends the daemons by the PIDs in DIR.
set -euo pipefail
cmd=${1:?usage: slurm_cluster.sh start|stop DIR} dir=${2:?usage: slurm_cluster.sh start|stop DIR}
stop() {
  for p in slurmd slurmctld munged; do
    if [[ -s $dir/$p.pid ]]; then
      pid=$(cat "$dir/$p.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$dir/$p.pid"
    fi
  done
}
if [[ $cmd == stop ]]; then stop; exit 0; fi
[[ $cmd == start ]] || { echo "usage: slurm_cluster.sh start|stop DIR" >&2; exit 2; }
for tool in slurmctld slurmd munged sbatch sinfo; do
  command -v "$tool" >/dev/null || { echo "slurm_cluster.sh: $tool not found (Debian packages slurm-wlm, munge)" >&2; exit 3; }
done
mkdir -p "$dir"/{state,spool,munge}
chmod 700 "$dir/munge"
dir=$(cd "$dir" && pwd)
# munge: a fresh key, a socket of its own
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/munge.key"
munged --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/munge.seed"
# ports from the directory's name, so that clusters of concurrent tests do not meet; below Linux's ephemeral
# range (32768 and up: a client socket there made slurmctld die with "Address already in use"), and skipping
# any port something already listens on
sum=$(printf '%s' "$dir" | cksum | cut -d' ' -f1)
ctl_port=$((10000 + sum % 20000))
in_use() { ss -Htan "( sport = :$1 )" 2>/dev/null | grep -q .; }
for _ in $(seq 200); do
  in_use "$ctl_port" || in_use $((ctl_port + 1)) || break
  ctl_port=$((10000 + (ctl_port - 10000 + 2) % 20000))
done
d_port=$((ctl_port + 1))
node=$(slurmd -C | head -1)
host=$(hostname -s)
cat > "$dir/slurm.conf" <<CONF
ClusterName=mlpipe
SlurmctldHost=$host
SlurmctldPort=$ctl_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MinJobAge=600
$node State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$dir/slurm.conf
slurmctld -f "$dir/slurm.conf" -i
slurmd -f "$dir/slurm.conf"
# Wait for the node to be idle: at most 10 s, each sinfo bounded (it retries for long when no controller
# answers), and not at all once slurmctld has died (its log says why).
for _ in $(seq 100); do
  if timeout 2 sinfo -h -o '%T' 2>/dev/null | grep -qx idle; then exit 0; fi
  ctl_pid=$(cat "$dir/slurmctld.pid" 2>/dev/null || true)
  if [[ -n $ctl_pid ]] && ! kill -0 "$ctl_pid" 2>/dev/null; then
    echo "slurm_cluster.sh: slurmctld stopped: $(tail -1 "$dir/slurmctld.log" 2>/dev/null)" >&2
    stop
    exit 1
  fi
  sleep 0.1
done
echo "slurm_cluster.sh: the node did not become idle in 10 s; see $dir/slurmctld.log and $dir/slurmd.log" >&2
stop
exit 1
