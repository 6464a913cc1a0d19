# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# stage: after every patch, what it touches builds, built in and as a module

# Each patch is pushed in turn onto the patched tree popped to nothing, and
# built in two build directories that live across the steps, one built in
# and one a module: make then compiles only what the patch changed (and
# what includes it).  tests/lib/bisect-step.sh is one step.  (The tree is
# back at the last patch after the last step.)
stage_bisect() {
	local i=0 p
	stage "bisectability: the tree builds after every patch"
	if [ ! -d "$T/.pc" ] || [ ! -f "$O/Module.symvers" ]; then
		ko bisect-setup "no quilt tree at $T or no full build in $O"
		return
	fi
	# Both start as copies of the full build: prepared, and with every
	# object that does not depend on the series already built.
	rm -rf "$B/out-bisect-y" "$B/out-bisect-m"
	cp -a "$O" "$B/out-bisect-y" && cp -a "$O" "$B/out-bisect-m" || {
		ko bisect-setup "cannot copy $O"
		return
	}
	(cd "$T" && quilt --quiltrc=- pop -a -q) >/dev/null
	for p in $(grep -v '^#' "$top/series"); do
		i=$((i + 1))
		t "bisect-$(printf %04d $i)" "$top/tests/lib/bisect-step.sh" \
			"$T" "$p" "$B/out-bisect" "$FRAG/host.config" "$JOBS" \
			"$O/Module.symvers"
	done
	echo "    (objects compiled: $(cat "$L"/bisect-*.log | grep -c '^[ym]:   CC ') in all)"
}
