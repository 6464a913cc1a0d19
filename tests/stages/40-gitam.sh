# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# stage: the series applies with git am on a fresh git tree

gitam() {
	local G=$B/t-git
	rm -rf "$G"
	# The base commit holds the files the series touches (those of them
	# the tree has) and get_maintainer.pl's: git am reads no other, and
	# hashing the whole tree took most of the stage.  The rest of the
	# tree is there, untracked, for get_maintainer.pl.
	cp -al "$K" "$G" && cd "$G" && git init -q &&
	sed -n 's|^+++ b/||p; s|^--- a/||p' "$top"/patches/*.patch | sort -u |
		while read -r f; do if [ -e "$f" ]; then echo "$f"; fi; done |
		git add -f --pathspec-from-file=- &&
	git add -f MAINTAINERS scripts/get_maintainer.pl &&
	echo "$(git ls-files | wc -l) files in the index" &&
	git -c user.name=base -c user.email=base@localhost commit -q -m base &&
	git -c user.name=t -c user.email=t@localhost am -q "$top"/patches/*.patch &&
	echo "commits: $(git rev-list --count HEAD), expected $(($(npatches) + 1))" &&
	[ "$(git rev-list --count HEAD)" = $(($(npatches) + 1)) ] &&
	[ -z "$(git status --porcelain --untracked-files=no)" ]
	local rc=$?
	cd "$top" || return 1
	return $rc
}

stage_gitam() {
	stage "git am on a fresh git tree"
	need_pristine
	t gitam gitam
}
