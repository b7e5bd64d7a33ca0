#!/usr/bin/env bash
# Does this tmux survive a control-mode client going away while another one is attached?
# tmux 3.3a here: "two-new" crashed the server (every session gone) in 5 of 10 trials,
# "two-new-off" in 4 of 10; "one" and "two-attach" survived 10 of 10.
#
#   bash bench/repro/tmux-two-control-clients.sh [trials]
#
# Modes (each on its own private server, -f /dev/null, one user session running `sleep`):
#   one          one client started as agent-boss does (-C new-session NAME cat ;
#                set-option -t =NAME: destroy-unattached on), then its stdin closed
#   two-new      two such clients; the first's stdin closed, the second's 1 s later
#   two-new-off  the same with destroy-unattached off
#   two-attach   two clients "-C attach -t =user" (no sessions of their own), closed 1 s apart
set -u
trials=${1:-10}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

trial() {
  local mode=$1 sock="ctlrepro-$$-$RANDOM"
  tmux -L "$sock" -f /dev/null new-session -d -s user -x 80 -y 20 'sleep 1000'
  mkfifo "$dir/a" "$dir/b"
  start() { # fifo name
    case $mode in
      two-attach) (tmux -L "$sock" -C attach -t =user <"$1" >/dev/null 2>&1) & ;;
      two-new-off) (tmux -L "$sock" -C new-session -s "$2" cat \; set-option -t "=$2:" destroy-unattached off <"$1" >/dev/null 2>&1) & ;;
      *) (tmux -L "$sock" -C new-session -s "$2" cat \; set-option -t "=$2:" destroy-unattached on <"$1" >/dev/null 2>&1) & ;;
    esac
  }
  start "$dir/a" ctl1; exec 3>"$dir/a"
  if [ "$mode" != one ]; then start "$dir/b" ctl2; exec 4>"$dir/b"; fi
  sleep 0.5; exec 3>&-; sleep 1
  if [ "$mode" != one ]; then exec 4>&-; fi
  sleep 0.5
  if tmux -L "$sock" has-session -t =user 2>/dev/null; then echo alive; else echo CRASHED; fi
  tmux -L "$sock" kill-server 2>/dev/null
  rm -f "$dir/a" "$dir/b" "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"
  wait
}

tmux -V
for mode in one two-new two-new-off two-attach; do
  crashed=0
  for _ in $(seq "$trials"); do [ "$(trial "$mode")" = CRASHED ] && crashed=$((crashed + 1)); done
  echo "$mode: server crashed in $crashed of $trials trials"
done
