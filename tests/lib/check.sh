# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# The checks of tests/run: counting results, and assertions that say, when
# they fail, what they expected, what they saw and where the whole log is.
# Sourced by tests/run; needs $L (the directory of the test logs) and $B
# (the work directory, where the boots' serial logs are).

pass=0
fail=0
skip=0
failed=()

ok() { pass=$((pass + 1)); echo "PASS: $1"; }

# ko NAME [WHY]: a failure; the test's log (what the check printed: what it
# expected and saw) follows, with its path
ko() {
	fail=$((fail + 1)); failed+=("$1")
	echo "FAIL: $1${2:+ - $2}"
	if [ -s "$L/$1.log" ]; then
		tail -n 30 "$L/$1.log" | sed 's/^/    | /'
		echo "    (whole output: $L/$1.log)"
	fi
}
sk() { skip=$((skip + 1)); echo "SKIP: $1${2:+ - $2}"; }

# t NAME CMD...: run CMD as test NAME, its output in $L/NAME.log
t() {
	local name=$1
	shift
	if "$@" >"$L/$name.log" 2>&1; then ok "$name"; else ko "$name"; fi
}

# serial NAME: the serial log of boot NAME
serial() { echo "$B/$1.serial"; }

# clean LOG: the path of a copy of LOG without carriage returns (made once,
# again when LOG is newer), for grep to read whole: "text | grep -q" would
# fail under pipefail when grep quits early
clean() {
	local c=$1.txt
	if [ ! -f "$c" ] || [ "$1" -nt "$c" ]; then
		tr -d '\r' <"$1" >"$c" 2>/dev/null || : >"$c"
	fi
	echo "$c"
}

# The text of a log without carriage returns
text() { cat "$(clean "$1")"; }

# seen LOG PATTERN: show what LOG has near what PATTERN wanted.  PATTERN's
# plain parts (between regex characters) are tried, longest first, each cut
# word by word from its end until some line has it (and the pattern's
# anchored start, if it has one); else the log's end is shown.
seen() {
	local log=$1 start='' part pre lines
	case $2 in
	^*) start=$(printf '%s\n' "$2" | sed -e 's/^\^//' -e 's/[].*[$\\].*//') ;;
	esac
	while read -r part; do
		pre=$part
		while [ ${#pre} -ge 4 ]; do
			lines=$(text "$log" | grep -F -- "$start" | grep -F -- "$pre")
			if [ -n "$lines" ]; then
				echo "saw these lines with \"$start${start:+...}$pre\" (the last of $(echo "$lines" | wc -l)):"
				echo "$lines" | tail -n 12 | sed 's/^/    /'
				return
			fi
			case $pre in
			*" "*) pre=${pre% *} ;;
			*) break ;;
			esac
		done
	done < <(printf '%s\n' "$2" | sed -e 's/\\\(.\)/\1/g' | tr '.*[]$^' '\n\n\n\n\n\n' |
		sed 's/^ *//' | awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2-)
	echo "saw no line like it; the log ends with:"
	text "$log" | tail -n 12 | sed 's/^/    /'
}

# logged BOOT PATTERN: the serial log of BOOT has a line matching PATTERN
logged() {
	local log
	log=$(serial "$1")
	if [ ! -s "$log" ]; then
		echo "expected a line matching: $2"
		echo "but the serial log $log is empty or missing"
		return 1
	fi
	grep -q -- "$2" "$(clean "$log")" && return 0
	echo "expected a line matching: $2"
	seen "$log" "$2"
	echo "in: $log"
	return 1
}

# not_logged BOOT PATTERN [SKIP]: the serial log of BOOT has no such line
# (among those that do not match SKIP, if given)
not_logged() {
	local log lines
	log=$(serial "$1")
	if [ ! -s "$log" ]; then
		echo "the serial log $log is empty or missing"
		return 1
	fi
	if [ -n "${3:-}" ]; then
		lines=$(grep -v -- "$3" "$(clean "$log")" | grep -- "$2")
	else
		lines=$(grep -- "$2" "$(clean "$log")")
	fi || return 0
	echo "expected no line matching: $2"
	echo "saw:"
	echo "$lines" | head -n 12 | sed 's/^/    /'
	echo "in: $log"
	return 1
}

# has BOOT KEY=VALUE-PREFIX: the boot's scenario reported that result
# ("PALTEST: KEY=VALUE...")
has() {
	local log key
	log=$(serial "$1")
	[ -f "$log" ] && grep -q "^PALTEST: $2" "$(clean "$log")" && return 0
	key=${2%%=*}
	echo "expected the result: $2"
	if [ -f "$log" ] && grep -q "^PALTEST: $key=" "$(clean "$log")"; then
		echo "saw:"
		text "$log" | grep "^PALTEST: $key=" | head -n 6 | sed 's/^/    /'
	else
		echo "saw no $key= result at all; the scenario's last results:"
		text "$log" 2>/dev/null | grep "^PALTEST: " | tail -n 6 | sed 's/^/    /'
	fi
	echo "in: $log"
	return 1
}

# value BOOT KEY: the value of the boot's first KEY=VALUE result, up to the
# first blank
value() {
	text "$(serial "$1")" 2>/dev/null |
		sed -n "s/^PALTEST: $2=\([^ ]*\).*/\1/p" | head -n 1
}

# within BOOT KEY MIN MAX [UNIT]: the number KEY reported is in [MIN, MAX]
within() {
	local v
	v=$(value "$1" "$2")
	case $v in
	''|-|*[!0-9-]*) ;;
	*) [ "$v" -ge "$3" ] && [ "$v" -le "$4" ] && return 0 ;;
	esac
	echo "expected $2 from $3 to $4${5:+ $5}"
	if [ -n "$v" ]; then
		echo "saw $2=$v"
	else
		echo "saw no $2= result; the scenario's last results:"
		text "$(serial "$1")" 2>/dev/null | grep "^PALTEST: " |
			tail -n 6 | sed 's/^/    /'
	fi
	echo "in: $(serial "$1")"
	return 1
}

# kunit BOOT SUITE...: count each KUnit case of a boot as a test
kunit() {
	local name=$1 st case
	shift
	"$top/tests/lib/ktap.py" "$(serial "$name")" "$@" > "$L/$name-kunit.log"
	while read -r st case; do
		case $st in
		ok) ok "kunit($name) $case" ;;
		skip) sk "kunit($name) $case" ;;
		*)
			ko "kunit($name) $case"
			# KUnit's own lines for that case: what it expected, where
			grep -a -A3 -E "# ${case#*.}: " "$(serial "$name")" |
				head -n 24 | sed 's/^/    | /'
			echo "    (whole log: $(serial "$name"))"
			;;
		esac
	done < <(sed -e 's/^not ok /not_ok /' "$L/$name-kunit.log")
}

# script_results PREFIX NAME LOG: count each "PREFIX: ok CHECK" or
# "PREFIX: not ok CHECK (why)" line of LOG as a test "NAME CHECK"
script_results() {
	local prefix=$1 name=$2 log=$3 st check
	while read -r st check; do
		case $st in
		ok) ok "$name $check" ;;
		*) ko "$name $check" "$(grep -m1 "^$prefix: not ok $check " "$log") (log: $log)" ;;
		esac
	done < <(sed -n -e "s/^$prefix: not ok \([^ ]*\).*/not_ok \1/p" \
		-e "s/^$prefix: ok /ok /p" "$log")
	grep -q "^$prefix: " "$log" || ko "$name (no result: see $log)"
}

# tap_results BOOT PREFIX NAME: count the TAP lines "PREFIX: ok N name" of a
# boot's serial log as tests "NAME name"; a failure shows the lines of the
# program's output before it (its diagnostics)
tap_results() {
	local log st num name
	log=$(serial "$1")
	while read -r st num name; do
		case $st in
		ok) ok "$3 $name" ;;
		*)
			ko "$3 $name"
			text "$log" | grep "^$2: " | grep -B8 -F "not ok $num $name" |
				head -n 12 | sed 's/^/    | /'
			echo "    (whole log: $log)"
			;;
		esac
	done < <(text "$log" | sed -n -e "s/^$2: not ok /not_ok /p" \
		-e "s/^$2: ok /ok /p")
}

# pages_returned BOOT: after the last VM was freed, Palacios holds as many
# pages as when it had just enabled SVM
pages_returned() {
	local log base last
	log=$(serial "$1")
	base=$(text "$log" | sed -n 's/.*palacios: svm enabled on .* Palacios holds \([0-9]*\) pages.*/\1/p' | tail -n 1)
	last=$(text "$log" | sed -n 's/.*palacios: vm .*: freed in [0-9]* ms; Palacios now holds \([0-9]*\) pages.*/\1/p' | tail -n 1)
	echo "expected as many pages held after the last VM was freed as after enabling SVM"
	echo "saw: after enabling: ${base:-none}; after the last VM was freed: ${last:-none}"
	echo "in: $log"
	[ -n "$base" ] && [ "$base" = "$last" ]
}

# clean_log BOOT: no oops, warning or sanitizer report of the host's in the
# serial log.  A guest's console shown there ("KSMP| ...", "KFAIL(vm)| ...")
# is not the host's: what a guest reports is judged by the checks of its
# scenario.
clean_log() {
	not_logged "$1" "BUG:\|WARNING:\|Oops\|Call Trace\|UBSAN\|KASAN\|circular locking\|kmemleak: .*new suspected" \
		'^[A-Z][A-Z0-9]*\(([^)]*)\)\?| '
}
