#!/bin/bash
# slurm-localhost.sh - a one-node SLURM cluster on this machine, for trying the job scripts in
# jobs/ and for tests/slurm_test.sh. Needs root (slurmd runs jobs as any user) and no systemd.
#
#   jobs/slurm-localhost.sh install   install the Debian packages in deps/slurm.txt if missing
#   jobs/slurm-localhost.sh up        install, write the config, start munged, slurmctld, slurmd,
#                                     and wait until the node takes jobs
#   jobs/slurm-localhost.sh env       print the line to eval before sbatch/squeue/scontrol:
#                                     eval "$(jobs/slurm-localhost.sh env)"
#   jobs/slurm-localhost.sh status    daemons and node state
#   jobs/slurm-localhost.sh down      cancel all jobs, then stop the daemons that `up` started
#
# Everything lives in one state directory: config, controller state, spool, logs, PID files and
# the munge key and socket. Nothing is written to /etc; clients find the config through
# SLURM_CONF. `down` stops only the processes named in the directory's PID files (checked
# against /proc/PID/comm); it never matches processes by name. `up` and `down` may be repeated.
#
# Settings (environment). `up` writes them into the config; the other commands need only DIR.
#   OVSWEEP_SLURM_DIR             the state directory [/tmp/ovsweep-slurm]
#   OVSWEEP_SLURM_CPUS            CPUs the node advertises; may exceed the cores [nproc]
#   OVSWEEP_SLURM_AUTH            munge | none [munge]. none needs no munged, but then anyone
#                                 who reaches the two ports can run jobs as any user.
#   OVSWEEP_SLURM_PORTS           "CTLD,SLURMD" TCP ports, or "auto" for two free ones [6817,6818]
#   OVSWEEP_SLURM_KILLWAIT        seconds from SIGTERM to SIGKILL at a time limit or scancel [30]
#   OVSWEEP_SLURM_REQUEUE_DELAY   seconds before a requeued job may start again; this is the
#                                 credential lifetime cred_expire (SLURM's default: 120) [10]
#   OVSWEEP_SLURM_SCHED_INTERVAL  seconds between the scheduler's passes (sched_interval and
#                                 bf_interval; SLURM's defaults: 60 and 30) [5]
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PKGLIST="$HERE/../deps/slurm.txt"
DIR=${OVSWEEP_SLURM_DIR:-/tmp/ovsweep-slurm}
CONF="$DIR/etc/slurm.conf"
NODE=localhost

say() { echo "slurm-localhost: $*" >&2; }
die() {
    say "error: $*"
    exit 1
}

# ---- packages ----

missing_packages() {
    local pkg
    grep -v -e '^#' -e '^[[:space:]]*$' "$PKGLIST" | while read -r pkg; do
        dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
            echo "$pkg"
    done
}

# Exit status 3 when the packages are missing and cannot be installed (no root, no apt, no
# network), so that callers can tell "cannot run here" from "broke".
cmd_install() {
    local need
    command -v dpkg-query >/dev/null || {
        say "not a Debian system (no dpkg-query); install SLURM and munge yourself"
        exit 3
    }
    need=$(missing_packages | tr '\n' ' ')
    [ -n "${need// /}" ] || return 0
    if [ "$(id -u)" -ne 0 ]; then
        say "missing packages: $need(run as root: apt-get install $need)"
        exit 3
    fi
    say "installing: $need"
    export DEBIAN_FRONTEND=noninteractive
    local apt=(apt-get -o DPkg::Lock::Timeout=900 -y -q --no-install-recommends)
    # shellcheck disable=SC2086 # $need is a list of package names
    if ! "${apt[@]}" install $need >&2; then
        say "install failed; updating the package lists and trying again"
        # shellcheck disable=SC2086
        if ! apt-get -o DPkg::Lock::Timeout=900 -q update >&2 || ! "${apt[@]}" install $need >&2; then
            say "could not install: $need"
            exit 3
        fi
    fi
}

# ---- processes started by `up` ----

# pid_of PIDFILE COMM: print the PID if the file names a live process whose command is COMM.
pid_of() {
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] || return 1
    echo "$pid"
}

# stop PIDFILE COMM: SIGTERM, up to 15 s, then SIGKILL; removes the PID file.
stop() {
    local pid i
    if pid=$(pid_of "$1" "$2"); then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 150; i++)); do
            [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] || break
            sleep 0.1
        done
        if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]; then
            say "$2 (pid $pid) still running 15 s after SIGTERM: SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        say "stopped $2 (pid $pid)"
    fi
    rm -f "$1"
}

# ---- up ----

free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])'
}

write_config() {
    local cpus=${OVSWEEP_SLURM_CPUS:-$(nproc)}
    local auth=${OVSWEEP_SLURM_AUTH:-munge}
    local ports=${OVSWEEP_SLURM_PORTS:-6817,6818}
    local killwait=${OVSWEEP_SLURM_KILLWAIT:-30}
    local delay=${OVSWEEP_SLURM_REQUEUE_DELAY:-10}
    local interval=${OVSWEEP_SLURM_SCHED_INTERVAL:-5}
    local mem ctld_port slurmd_port auth_lines
    mem=$(awk '$1 == "MemTotal:" {print int($2 / 1024 * 0.8)}' /proc/meminfo)
    if [ "$ports" = auto ]; then
        ctld_port=$(free_port)
        slurmd_port=$(free_port)
        while [ "$slurmd_port" = "$ctld_port" ]; do slurmd_port=$(free_port); done
    else
        ctld_port=${ports%,*}
        slurmd_port=${ports#*,}
    fi
    case "$auth" in
        munge) auth_lines="AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$DIR/munge/socket,cred_expire=$delay" ;;
        none) auth_lines="AuthType=auth/none
CredType=cred/none
AuthInfo=cred_expire=$delay" ;;
        *) die "OVSWEEP_SLURM_AUTH must be munge or none, not '$auth'" ;;
    esac
    mkdir -p "$DIR/etc" "$DIR/state" "$DIR/spool" "$DIR/log" "$DIR/pid"
    cat >"$CONF" <<EOF
# Written by jobs/slurm-localhost.sh up; rewritten at every "up".
ClusterName=ovsweep-localhost
SlurmctldHost=$NODE
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
$auth_lines
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/pid/slurmctld.pid
SlurmdPidFile=$DIR/pid/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
# No cgroups and no accounting: processes are tracked through /proc, tasks are not bound.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
# The node may advertise more CPUs than it has, and comes back by itself after a restart.
SlurmdParameters=config_overrides
ReturnToService=2
KillWait=$killwait
MinJobAge=600
MailProg=/bin/true
# Short scheduler intervals: without them a new job waits 3 s (batch_sched_delay) and a
# requeued one up to bf_interval after its cred_expire delay.
SchedulerParameters=batch_sched_delay=0,sched_interval=$interval,bf_interval=$interval
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munged() {
    local m="$DIR/munge"
    grep -q '^AuthType=auth/munge' "$CONF" || return 0
    pid_of "$m/munged.pid" munged >/dev/null && return 0
    # munged runs as user munge. It wants every directory above its socket traversable by
    # all, and its key readable only by itself.
    chmod go+x "$DIR"
    local up
    up=$(cd "$DIR/.." && pwd)
    while [ "$up" != / ]; do
        [ "$(($(stat -c %#a "$up") & 1))" = 1 ] ||
            die "munged needs every directory above its socket to be searchable by all: chmod o+x $up (or OVSWEEP_SLURM_AUTH=none)"
        up=$(dirname "$up")
    done
    install -d -o munge -g munge -m 0755 "$m"
    if [ ! -s "$m/key" ]; then
        (umask 077 && head -c 1024 /dev/urandom >"$m/key")
        chown munge:munge "$m/key"
        chmod 0400 "$m/key"
    fi
    rm -f "$m/socket" "$m/socket.lock"
    runuser -u munge -- /usr/sbin/munged --key-file="$m/key" --socket="$m/socket" \
        --pid-file="$m/munged.pid" --log-file="$m/munged.log" --seed-file="$m/seed"
    munge -s ping -S "$m/socket" | unmunge -S "$m/socket" >/dev/null ||
        die "munged does not answer; see $m/munged.log"
}

# wait_node: until the node takes jobs (idle, mixed or allocated); 30 s at most.
wait_node() {
    local state="" i
    for ((i = 0; i < 150; i++)); do
        state=$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
        case "$state" in
            idle* | mixed* | allocated*) return 0 ;;
            down* | drain* | fail*)
                scontrol update NodeName="$NODE" State=RESUME >/dev/null 2>&1 || true ;;
        esac
        sleep 0.2
    done
    die "node state '${state:-unknown}' after 30 s; see $DIR/log/"
}

cmd_up() {
    cmd_install
    if pid_of "$DIR/pid/slurmctld.pid" slurmctld >/dev/null ||
        pid_of "$DIR/pid/slurmd.pid" slurmd >/dev/null; then
        say "already running in $DIR (run down first to change settings)"
    else
        write_config
    fi
    export SLURM_CONF="$CONF"
    start_munged
    pid_of "$DIR/pid/slurmctld.pid" slurmctld >/dev/null || /usr/sbin/slurmctld ||
        die "slurmctld did not start; see $DIR/log/slurmctld.log"
    pid_of "$DIR/pid/slurmd.pid" slurmd >/dev/null || /usr/sbin/slurmd -N "$NODE" ||
        die "slurmd did not start; see $DIR/log/slurmd.log"
    wait_node
    say "up in $DIR: $(grep -E '^Slurm(ctld|d)Port=' "$CONF" | tr '\n' ' ')"
}

# ---- down, status ----

# Job steps and their processes outlive slurmd, so every job is cancelled first (bounded by
# KillWait + 30 s).
cancel_jobs() {
    local ids killwait i
    pid_of "$DIR/pid/slurmctld.pid" slurmctld >/dev/null || return 0
    ids=$(squeue -h -o %i 2>/dev/null || true)
    [ -n "$ids" ] || return 0
    say "cancelling jobs: $(echo "$ids" | tr '\n' ' ')"
    # shellcheck disable=SC2086
    scancel $ids 2>/dev/null || true
    killwait=$(sed -n 's/^KillWait=//p' "$CONF")
    for ((i = 0; i < (${killwait:-30} + 30) * 5; i++)); do
        [ -z "$(squeue -h -o %i 2>/dev/null)" ] && return 0
        sleep 0.2
    done
    say "jobs left after cancelling: $(squeue -h -o '%i %T' | tr '\n' ' ')"
}

cmd_down() {
    export SLURM_CONF="$CONF"
    [ -d "$DIR" ] || return 0
    cancel_jobs
    stop "$DIR/pid/slurmd.pid" slurmd
    stop "$DIR/pid/slurmctld.pid" slurmctld
    stop "$DIR/munge/munged.pid" munged
}

cmd_status() {
    local f comm pid
    export SLURM_CONF="$CONF"
    for f in "$DIR/munge/munged.pid" "$DIR/pid/slurmctld.pid" "$DIR/pid/slurmd.pid"; do
        comm=$(basename "$f" .pid)
        if pid=$(pid_of "$f" "$comm"); then echo "$comm: pid $pid"; else echo "$comm: not running"; fi
    done
    if pid_of "$DIR/pid/slurmctld.pid" slurmctld >/dev/null; then sinfo; squeue; fi
}

case "${1:-}" in
    install) cmd_install ;;
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) echo "export SLURM_CONF=$CONF" ;;
    *)
        echo "usage: $0 install|up|down|status|env   (settings: see the top of this file)" >&2
        exit 2
        ;;
esac
