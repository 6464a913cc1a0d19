# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# stage: patches/ is current; each patch checkpatch-clean, with a subject, body and Signed-off-by

series_listed() {
	diff <(grep -v "^#" "$top/series") <(ls "$top/patches")
}

# checkpatch OUT: what checkpatch.pl --strict said (in OUT) is nothing
checkpatch() {
	cat "$1"
	grep -q "^total: 0 errors, 0 warnings, 0 checks" "$1" || {
		echo "expected \"total: 0 errors, 0 warnings, 0 checks\""
		return 1
	}
}

patch_headers() {
	local p body
	for p in "$top"/patches/*.patch; do
		# the series' own patches, and the prep patch of x86 code
		grep -Eq "^Subject: \[PATCH\] (virt: palacios|x86/reboot|x86/cpu): " "$p" ||
			{ echo "$p: expected a subject 'virt: palacios: ...' (or 'x86/reboot: ...', 'x86/cpu: ...')"; return 1; }
		grep -q "^Signed-off-by: .* <.*>$" "$p" ||
			{ echo "$p: expected a Signed-off-by line"; return 1; }
		body=$(sed -n "/^Subject:/,/^---$/p" "$p" | wc -l)
		[ "$body" -ge 6 ] ||
			{ echo "$p: expected a body of 6 lines at least, saw $body"; return 1; }
	done
	echo "all $(npatches) patches have a subject, a body and a Signed-off-by"
}

stage_series() {
	local p
	stage "the series: current, well-formed, checkpatch-clean"
	need_pristine
	t series-current "$top/scripts/gen-series" --check "$K"
	t series-listed series_listed
	# checkpatch.pl on $JOBS patches at a time, then a test each
	grep -v '^#' "$top/series" | (cd "$K" && xargs -P "$JOBS" -I{} \
		sh -c 'perl scripts/checkpatch.pl --strict "$1/patches/$2" >"$3/$2.checkpatch" 2>&1' \
		_ "$top" {} "$B")
	for p in $(grep -v '^#' "$top/series"); do
		t "checkpatch-${p%%-virt-*}" checkpatch "$B/$p.checkpatch"
	done
	t patch-headers patch_headers
}
