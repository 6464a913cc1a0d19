# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# stage: scripts/send-series makes a cover letter and a mail per patch; get_maintainer.pl names us

send_series() {
	local out=$B/outgoing n c i num np
	np=$(npatches)
	"$top/scripts/send-series" -v 3 -o "$out" "$B/t-git" || return 1
	n=$(ls "$out" | wc -l)
	[ "$n" = $((np + 1)) ] || { echo "expected $((np + 1)) mails, saw $n"; return 1; }
	c=$(ls "$out"/*0000-cover-letter.patch) || return 1
	grep -q "^Subject: \[PATCH v3 $(printf "%0${#np}d" 0)/$np\] virt: palacios: " "$c" &&
	! grep -q "\*\*\* .* HERE \*\*\*" "$c" &&
	grep -q " files\? changed, " "$c" &&
	sed -n "/^To:/,/^$/p" "$c" | grep -q "Palacios Developers <" &&
	grep -q "^base-commit: " "$c" || { echo "cover letter $c: bad headers"; return 1; }
	for i in $(seq 1 "$np"); do
		# format-patch pads the number to the width of the count
		num=$(printf "%0${#np}d" "$i")
		grep -Eq "^Subject: \[PATCH v3 $num/$np\] (virt: palacios|x86/reboot|x86/cpu): " \
			"$out"/v3-"$(printf %04d "$i")"-*.patch ||
			{ echo "mail $i: expected the subject [PATCH v3 $num/$np]"; return 1; }
	done
}

get_maintainer() {
	local out
	out=$(cd "$B/t-git" && ./scripts/get_maintainer.pl --no-git \
		--no-git-fallback "$top"/patches/0002-*.patch) || return 1
	echo "$out"
	echo "$out" | grep -q "^Palacios Developers <.*> (maintainer:PALACIOS VIRTUAL MACHINE MONITOR)"
}

stage_send() {
	stage "mails for git send-email"
	[ -d "$B/t-git/.git" ] || stage_gitam
	t send-series send_series
	t get-maintainer get_maintainer
}
