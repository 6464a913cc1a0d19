# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# stage: make SPHINXDIRS=virt htmldocs builds the Palacios pages without a warning

docs_check() {
	local out
	out=$(make -C "$T" O="$B/out-docs" SPHINXDIRS=virt htmldocs 2>&1 |
		sed "s|$T/||g")
	echo "$out" | grep -v parse-headers
	if echo "$out" | grep -E "palacios" | grep -Eiq "warning|error"; then
		echo "expected no warning about Palacios' pages; saw the ones above"
		return 1
	fi
	grep -q "v3_host_alloc_chunks" \
		"$B/out-docs/Documentation/output/virt/palacios/host-interface.html" &&
	grep -q "Palacios virtual machine monitor" \
		"$B/out-docs/Documentation/output/virt/palacios/index.html"
}

stage_docs() {
	stage "documentation: make SPHINXDIRS=virt htmldocs"
	need_tree docs || return
	t htmldocs docs_check
}
