#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# menuconfig-check.sh TREE OUTDIR: open "make menuconfig" in a terminal (tmux),
# search for PALACIOS as a person would ("/" then the symbol) and check that
# the result places it in the "Palacios VMM" menu under Virtualization
# drivers.  OUTDIR/.config is not changed (the search is left with Escape).
set -euo pipefail

tree=$1
out=$2
s=palacios-menuconfig-$$
cp "$out/.config" "$out/.config.menuconfig-check"
trap 'tmux kill-session -t $s 2>/dev/null || true
      mv "$out/.config.menuconfig-check" "$out/.config"' EXIT

tmux new-session -d -s "$s" -x 160 -y 50 \
	"make -C '$tree' O='$out' ARCH=x86_64 menuconfig; sleep 30"
# wait for the menu to be drawn (mconf is built first)
for _ in $(seq 1 120); do
	tmux capture-pane -p -t "$s" | grep -q "Linux/x86 .* Kernel Configuration" && break
	sleep 1
done
tmux send-keys -t "$s" /
sleep 1
tmux send-keys -t "$s" "PALACIOS" Enter
for _ in $(seq 1 30); do
	screen=$(tmux capture-pane -p -t "$s")
	echo "$screen" | grep -q "Symbol: PALACIOS \[" && break
	sleep 1
done
echo "$screen"
tmux send-keys -t "$s" Escape Escape
echo "$screen" | grep -q "Symbol: PALACIOS \[" &&
echo "$screen" | grep -q "Prompt: Palacios virtual machine monitor" &&
echo "$screen" | grep -q -- "-> Virtualization drivers" &&
echo "$screen" | grep -q -- "-> Palacios VMM"
