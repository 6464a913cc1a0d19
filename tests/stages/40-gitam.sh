# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# stage: the series applies with git am on a fresh git tree

gitam() {
	local G=$B/t-git
	rm -rf "$G"
	cp -al "$K" "$G" && cd "$G" && git init -q &&
	git add -f -A . && echo "$(git ls-files | wc -l) files in the index" &&
	git -c user.name=base -c user.email=base@localhost commit -q -m base &&
	git -c user.name=t -c user.email=t@localhost am -q "$top"/patches/*.patch &&
	echo "commits: $(git rev-list --count HEAD), expected $(($(npatches) + 1))" &&
	[ "$(git rev-list --count HEAD)" = $(($(npatches) + 1)) ] &&
	[ -z "$(git status --porcelain)" ]
	local rc=$?
	cd "$top" || return 1
	return $rc
}

stage_gitam() {
	stage "git am on a fresh git tree"
	need_pristine
	t gitam gitam
}
