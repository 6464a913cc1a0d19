# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# stage: the core's unit tests in user space (ASan, UBSan), and bounded libFuzzer runs

stage_unit() {
	local U=$T/tools/testing/palacios st n name f runs crashes
	stage "unit tests of the core, built in user space (ASan, UBSan)"
	need_tree unit || return
	make -C "$U" clean >/dev/null
	t unit-build-and-run make -C "$U"
	while read -r st n name; do
		case $st in
		ok) ok "unit $name" ;;
		not_ok)
			ko "unit $name"
			# the failed CHECK()s of the case, printed before its line
			grep -B12 "^not ok $n " "$L/unit-build-and-run.log" |
				grep "^# " | sed 's/^/    | /'
			;;
		esac
	done < <(sed -n -e 's/^not ok /not_ok /p' -e '/^ok /p' "$L/unit-build-and-run.log")
	make -C "$U" clean >/dev/null

	# libFuzzer, bounded in time (22 s each), fixed seed, $JOBS at a
	# time (each on a CPU of its own: as many runs as one at a time)
	make -C "$U/fuzz" clean >/dev/null
	t fuzz-build-and-run make -C "$U/fuzz" -k -j"$JOBS" run \
		FUZZ_SECONDS="${FUZZ_SECONDS:-22}"
	while read -r f runs _ crashes _; do
		if [ "$crashes" = 0 ] && [ "${runs:-0}" -gt 0 ]; then
			ok "$f"
			echo "    ($runs runs in ${FUZZ_SECONDS:-22}s, no crash)"
		else
			ko "$f" "expected no crash, saw $crashes crashes in $runs runs (log: $L/fuzz-build-and-run.log)"
		fi
	done < <(sed -n 's/^\(fuzz_[a-z]*\): \([0-9]*\) runs, \([0-9]*\) crashes$/\1 \2 runs \3 crashes/p' "$L/fuzz-build-and-run.log")
	make -C "$U/fuzz" clean >/dev/null
}
