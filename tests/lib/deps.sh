#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install what the tests and the demo need, from Debian 12's archive.
# Does nothing when everything is there already.
set -euo pipefail

pkgs=(build-essential bc bison flex libelf-dev libssl-dev libncurses-dev
      cpio git perl python3 python3-sphinx python3-yaml quilt sparse tmux
      busybox-static clang libclang-rt-14-dev e2fsprogs
      qemu-system-x86 linux-source-6.12
      bochs bochsbios vgabios bochs-term xorriso isolinux syslinux-common)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#pkgs[@]} packages installed"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing ${missing[*]}; run as root or: apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
