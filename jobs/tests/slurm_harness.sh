# A private single-node Slurm cluster under a temporary folder, for tests (sourced).
#
# The recipe is the one in the project's ENVIRONMENT.md ("A real single-node Slurm"):
# munged on its own socket, slurmctld and slurmd with every state, spool, log and pid
# file under one folder, jobs' exit codes read from `scontrol show job` (there is no
# accounting database, so no sacct).  Needs root and Debian's slurmctld, slurmd,
# slurm-client and munge packages.
#
#   slurm_missing                 prints why the cluster cannot run here (empty: it can)
#   slurm_start DIR CPUS          starts munged, slurmctld and slurmd under DIR, with the
#                                 node declaring CPUS CPUs; exports SLURM_CONF
#   slurm_wait_idle SECONDS       waits until the node is idle
#   slurm_job_field ID FIELD      one field of `scontrol show job` (JobState, ExitCode...)
#   slurm_wait_job ID SECONDS     waits until the job has ended; on timeout cancels it and
#                                 returns 1
#   slurm_stop                    cancels every job, stops the daemons and waits for them;
#                                 safe to call twice and after a partial start
#   slurm_dump_logs               prints the daemons' logs (for failure reports)
#
# Two runs at the same time do not meet: each has its own ports (picked free at random),
# its own munge socket, and job ids starting at a random number (Open MPI's and PMIx's
# per-job temporary folders are named after the job id).

SLURM_DIR=""
SLURM_MUNGED_PID=""
SLURM_CTLD_PID=""
SLURM_SLURMD_PID=""

slurm_missing() {
    if [ "$(id -u)" != 0 ]; then
        echo "not root (slurmd must run as root)"
        return
    fi
    local prog
    for prog in /usr/sbin/munged /usr/sbin/slurmctld /usr/sbin/slurmd sbatch scontrol scancel sinfo squeue srun runuser ss; do
        if ! command -v "$prog" >/dev/null 2>&1; then
            echo "$prog not found (Debian: apt-get install slurmctld slurmd slurm-client munge)"
            return
        fi
    done
    if [ ! -r /etc/munge/munge.key ]; then
        echo "no munge key in /etc/munge/munge.key"
        return
    fi
    if ! id munge >/dev/null 2>&1; then
        echo "no munge user"
    fi
}

# A TCP port in 20000-59999 that nothing uses (in any state), other than those given.
_slurm_free_port() {
    local port tries=0
    while [ "$tries" -lt 200 ]; do
        tries=$((tries + 1))
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        case " $* " in *" $port "*) continue ;; esac
        if [ -z "$(ss -Htan "( sport = :$port or dport = :$port )" 2>/dev/null)" ]; then
            echo "$port"
            return 0
        fi
    done
    echo "no free TCP port found" >&2
    return 1
}

# Waits up to $2 seconds for a pid file $1 with a live pid in it; prints the pid.
_slurm_wait_pidfile() {
    local file=$1 cap=$2 t=0 pid
    while [ "$t" -lt $((cap * 10)) ]; do
        if [ -s "$file" ]; then
            pid=$(tr -dc '0-9' <"$file")
            if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
                echo "$pid"
                return 0
            fi
        fi
        sleep 0.1
        t=$((t + 1))
    done
    return 1
}

# Waits up to $2 seconds for pid $1 to end (it need not be our child), then sends
# SIGTERM and after 5 s more SIGKILL.
_slurm_end_pid() {
    local pid=$1 cap=$2 t=0
    [ -n "$pid" ] || return 0
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$t" -eq $((cap * 10)) ]; then
            echo "slurm harness: pid $pid still running after ${cap} s: SIGTERM" >&2
            kill -TERM "$pid" 2>/dev/null
        elif [ "$t" -ge $(((cap + 5) * 10)) ]; then
            echo "slurm harness: pid $pid still running: SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null
            sleep 0.2
            return 1
        fi
        sleep 0.1
        t=$((t + 1))
    done
    return 0
}

slurm_start() {
    local dir=$1 cpus=$2
    SLURM_DIR=$dir
    local m=$dir/munge s=$dir/slurm
    mkdir -p "$m" "$s/state" "$s/spool" "$s/tmp" || return 1
    # munged runs as the munge user and must reach its folder through ours.
    chmod 755 "$dir"
    chown munge:munge "$m" || return 1
    chmod 755 "$m"

    runuser -u munge -- /usr/sbin/munged --socket="$m/munge.socket.2" \
        --pid-file="$m/munged.pid" --log-file="$m/munged.log" --seed-file="$m/munged.seed" \
        </dev/null >"$m/munged.out" 2>&1 || {
        echo "slurm harness: munged did not start:" >&2
        cat "$m/munged.out" "$m/munged.log" >&2 2>/dev/null
        return 1
    }
    SLURM_MUNGED_PID=$(_slurm_wait_pidfile "$m/munged.pid" 10) || {
        echo "slurm harness: munged wrote no pid file" >&2
        return 1
    }

    local ctld_port slurmd_port first_job
    ctld_port=$(_slurm_free_port) || return 1
    slurmd_port=$(_slurm_free_port "$ctld_port") || return 1
    first_job=$((1000 + (RANDOM * 32768 + RANDOM) % 1000000))

    cat >"$s/slurm.conf" <<EOF
ClusterName=echelontest
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$m/munge.socket.2
MpiDefault=pmix
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=$s/state
SlurmdSpoolDir=$s/spool
TmpFS=$s/tmp
SlurmctldPidFile=$s/slurmctld.pid
SlurmdPidFile=$s/slurmd.pid
SlurmctldLogFile=$s/slurmctld.log
SlurmdLogFile=$s/slurmd.log
JobCompType=jobcomp/filetxt
JobCompLoc=$s/jobcomp.txt
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
FirstJobId=$first_job
ReturnToService=2
KillWait=5
MailProg=/bin/true
SlurmdParameters=config_overrides
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
    export SLURM_CONF=$s/slurm.conf

    /usr/sbin/slurmctld -f "$SLURM_CONF" -i </dev/null >"$s/slurmctld.out" 2>&1 || {
        echo "slurm harness: slurmctld did not start:" >&2
        cat "$s/slurmctld.out" "$s/slurmctld.log" >&2 2>/dev/null
        return 1
    }
    SLURM_CTLD_PID=$(_slurm_wait_pidfile "$s/slurmctld.pid" 15) || {
        echo "slurm harness: slurmctld wrote no pid file" >&2
        return 1
    }
    /usr/sbin/slurmd -f "$SLURM_CONF" -N localhost </dev/null >"$s/slurmd.out" 2>&1 || {
        echo "slurm harness: slurmd did not start:" >&2
        cat "$s/slurmd.out" "$s/slurmd.log" >&2 2>/dev/null
        return 1
    }
    SLURM_SLURMD_PID=$(_slurm_wait_pidfile "$s/slurmd.pid" 15) || {
        echo "slurm harness: slurmd wrote no pid file" >&2
        return 1
    }
    echo "slurm harness: cluster under $dir (slurmctld port $ctld_port, slurmd port $slurmd_port, first job id $first_job)"
}

slurm_wait_idle() {
    local cap=$1 t=0 state=""
    while [ "$t" -lt $((cap * 5)) ]; do
        state=$(sinfo -h -n localhost -o %T 2>/dev/null)
        if [ "$state" = idle ]; then
            return 0
        fi
        sleep 0.2
        t=$((t + 1))
    done
    echo "slurm harness: node not idle after ${cap} s (state: '${state}')" >&2
    return 1
}

slurm_job_field() {
    local id=$1 field=$2
    scontrol -o show job "$id" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$field=//p" | head -n 1
}

slurm_wait_job() {
    local id=$1 cap=$2 t=0 state
    while :; do
        state=$(slurm_job_field "$id" JobState)
        case $state in
        PENDING | RUNNING | CONFIGURING | COMPLETING | SUSPENDED | REQUEUED | RESIZING | SIGNALING | STAGE_OUT | "") ;;
        *) return 0 ;;
        esac
        if [ "$t" -ge $((cap * 5)) ]; then
            echo "slurm harness: job $id still '$state' after ${cap} s: cancelling it" >&2
            scontrol show job "$id" >&2
            scancel "$id" 2>/dev/null
            return 1
        fi
        sleep 0.2
        t=$((t + 1))
    done
}

slurm_dump_logs() {
    [ -n "$SLURM_DIR" ] || return 0
    local f
    for f in "$SLURM_DIR/slurm/slurmctld.log" "$SLURM_DIR/slurm/slurmd.log" "$SLURM_DIR/munge/munged.log"; do
        [ -f "$f" ] || continue
        echo "----- last lines of $f" >&2
        tail -n 40 "$f" >&2
    done
}

# Processes other than this shell whose command line names our folder.
_slurm_our_pids() {
    local f pid cmd
    for f in /proc/[0-9]*/cmdline; do
        pid=${f#/proc/}
        pid=${pid%/cmdline}
        [ "$pid" != "$$" ] || continue
        cmd=$(tr '\0' ' ' 2>/dev/null <"$f")
        case $cmd in *"$SLURM_DIR/"*) echo "$pid" ;; esac
    done
}

# The spool folder's entries that belong to a running job or step.
_slurm_step_files() {
    (
        cd "$SLURM_DIR/slurm/spool" 2>/dev/null || exit 0
        shopt -s nullglob
        echo localhost_* job[0-9]* hwloc_topo_[0-9]* pmix.* stepd.*
    )
}

slurm_stop() {
    [ -n "$SLURM_DIR" ] || return 0
    # A daemon whose pid file came late (a start that failed half-way) is still ours.
    local f
    f=$SLURM_DIR/munge/munged.pid
    [ -n "$SLURM_MUNGED_PID" ] || [ ! -s "$f" ] || SLURM_MUNGED_PID=$(tr -dc '0-9' <"$f")
    f=$SLURM_DIR/slurm/slurmctld.pid
    [ -n "$SLURM_CTLD_PID" ] || [ ! -s "$f" ] || SLURM_CTLD_PID=$(tr -dc '0-9' <"$f")
    f=$SLURM_DIR/slurm/slurmd.pid
    [ -n "$SLURM_SLURMD_PID" ] || [ ! -s "$f" ] || SLURM_SLURMD_PID=$(tr -dc '0-9' <"$f")

    # Without a controller to pass `scontrol shutdown` on, slurmd gets SIGTERM at once.
    local cap=0
    if [ -n "$SLURM_CTLD_PID" ] && kill -0 "$SLURM_CTLD_PID" 2>/dev/null; then
        cap=15
        # Cancel what is left and give it a moment to end, so no job step outlives
        # the daemons.
        local jobs t=0
        jobs=$(squeue -h -o %i 2>/dev/null)
        if [ -n "$jobs" ]; then
            # shellcheck disable=SC2086  # one id per word
            scancel $jobs 2>/dev/null
            while [ -n "$(squeue -h -o %i 2>/dev/null)" ] && [ "$t" -lt 100 ]; do
                sleep 0.2
                t=$((t + 1))
            done
        fi
        # A job's end does not wait for its steps' slurmstepd, which still cleans up
        # (a cancelled step takes about KillWait).  Each step keeps files named after
        # it in the spool folder until it exits: wait for them to go.
        t=0
        while [ -n "$(_slurm_step_files)" ] && [ "$t" -lt 100 ]; do
            sleep 0.2
            t=$((t + 1))
        done
        [ -z "$(_slurm_step_files)" ] ||
            echo "slurm harness: job steps still running after 20 s: $(_slurm_step_files)" >&2
        scontrol shutdown >/dev/null 2>&1
    fi
    _slurm_end_pid "$SLURM_SLURMD_PID" "$cap"
    _slurm_end_pid "$SLURM_CTLD_PID" 15
    if [ -n "$SLURM_MUNGED_PID" ] && kill -0 "$SLURM_MUNGED_PID" 2>/dev/null; then
        kill -TERM "$SLURM_MUNGED_PID" 2>/dev/null
    fi
    _slurm_end_pid "$SLURM_MUNGED_PID" 10

    # Last check: no process may still name our folder on its command line (the
    # daemons all do).  Anything found is ours: stop it by pid.
    local left pid
    left=$(_slurm_our_pids)
    if [ -n "$left" ]; then
        echo "slurm harness: still running after the shutdown, stopping them:" >&2
        for pid in $left; do
            echo "  $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" >&2
            kill -TERM "$pid" 2>/dev/null
        done
        for pid in $left; do
            _slurm_end_pid "$pid" 3
        done
    fi
    SLURM_SLURMD_PID=""
    SLURM_CTLD_PID=""
    SLURM_MUNGED_PID=""
}
