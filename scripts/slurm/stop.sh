#!/usr/bin/env bash
# scripts/slurm/stop.sh: stop the cluster started by start.sh. Cancels every job first, then stops slurmd,
# slurmctld and munged (munged only if start.sh started it), each by the pid in its pidfile after checking
# the process's name. Safe when nothing runs. Exits non-zero only if a daemon survives SIGKILL.
set -uo pipefail
export PATH="$PATH:/usr/sbin:/usr/bin:/sbin:/bin"
STATE=/run/xpartition-slurm
CTLD_PID=/run/slurmctld.pid
SLURMD_PID=/run/slurmd.pid
MUNGE_PID=/run/munge/munged.pid
log() { echo "[slurm/stop] $*" >&2; }
[ "$(id -u)" = 0 ] || { log "ERROR: must run as root"; exit 1; }
exec 9>/run/xpartition-slurm.lock
flock -w "${XP_SLURM_LOCK_TIMEOUT:-300}" 9 || { log "ERROR: another start/stop holds /run/xpartition-slurm.lock"; exit 1; }

alive() {
  local pid; [ -s "$1" ] || return 1
  pid="$(tr -dc 0-9 < "$1")"; [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 1
  [ "$(cat "/proc/$pid/comm")" = "$2" ] && echo "$pid"
}
rc=0
# Daemons exit within ~2 s of SIGTERM; poll fast so that stop stays quick.
stop_one() {
  local pid; pid="$(alive "$1" "$2")" || { rm -f "$1"; return 0; }
  log "stopping $2 (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 150); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
  if [ -d "/proc/$pid" ]; then log "$2 ignored SIGTERM: SIGKILL"; kill -KILL "$pid" 2>/dev/null; sleep 0.5; fi
  if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]; then log "ERROR: $2 (pid $pid) survived"; rc=1; else rm -f "$1"; fi
}

if alive "$CTLD_PID" slurmctld >/dev/null && scontrol ping >/dev/null 2>&1; then
  jobs="$(squeue -h -o %F 2>/dev/null | sort -u | tr '\n' ' ')"
  if [ -n "${jobs// /}" ]; then
    log "cancelling jobs $jobs"
    # shellcheck disable=SC2086
    scancel $jobs 2>/dev/null || true
    for _ in $(seq 80); do [ -z "$(squeue -h -t PD,R,CG,S 2>/dev/null)" ] && break; sleep 0.25; done
  fi
fi
stop_one "$SLURMD_PID" slurmd
stop_one "$CTLD_PID" slurmctld
if [ -s "$STATE/munged.pid" ]; then
  ours="$(tr -dc 0-9 < "$STATE/munged.pid")"
  [ "$(alive "$MUNGE_PID" munged || true)" = "$ours" ] && stop_one "$MUNGE_PID" munged
fi
rm -rf "$STATE"
exit "$rc"
