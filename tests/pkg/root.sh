# shellcheck shell=bash
# A clean Debian root for tests/pkg: made once with mmdebstrap from this
# machine's apt sources (same suite), with the packages vipd's .deb depends
# on, and cached as a tar under PKG_CACHE (default /var/cache/vipd-pkgtest;
# the key is the suite, the sources and the package list, so a change of
# any of them makes a new root).  Each run unpacks a fresh copy.

PKG_CACHE=${PKG_CACHE:-/var/cache/vipd-pkgtest}

# root_deps DEB... : the first alternative of each Depends of the DEBs,
# versions dropped, ours left out; comma separated.
root_deps() {
	local d
	for d in "$@"; do dpkg-deb -f "$d" Depends; echo ,; done |
		tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' -e 's/[[:space:]]//g' |
		grep -v -x -e libvip0 -e libvip-dev -e vipd | grep . | sort -u |
		paste -sd, -
}

# root_sources : the apt source files this machine uses (one-line or
# deb822), as mmdebstrap MIRROR arguments.
root_sources() {
	local f
	[ -s /etc/apt/sources.list ] && grep -q '^deb ' /etc/apt/sources.list &&
		echo /etc/apt/sources.list
	for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -s "$f" ] && echo "$f"
	done
	return 0
}

# root_tar DEB... : print the cached root tar for the DEBs' dependencies,
# making it first if missing (prints how long that took on stderr).
root_tar() {
	local deps suite key tar t0 srcs
	deps=$(root_deps "$@")
	suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
	mapfile -t srcs < <(root_sources)
	[ ${#srcs[@]} -gt 0 ] || { echo "pkg: no apt sources found" >&2; return 1; }
	key=$({ echo "$suite $deps"; cat "${srcs[@]}"; } | sha256sum | cut -c1-16)
	tar=$PKG_CACHE/$suite-$key.tar
	if [ ! -s "$tar" ]; then
		mkdir -p "$PKG_CACHE"
		t0=$(date +%s)
		echo "pkg: making a $suite root with $deps (cache $tar)" >&2
		mmdebstrap --quiet --variant=minbase --format=tar --include="$deps" \
			"$suite" "$tar.part" "${srcs[@]}" >&2 || return 1
		mv "$tar.part" "$tar"
		# roots for other package lists or sources are not used again
		find "$PKG_CACHE" -maxdepth 1 -name "$suite-*.tar" ! -path "$tar" -delete
		echo "pkg: root made in $(( $(date +%s) - t0 )) s" >&2
	fi
	echo "$tar"
}

# in_root ROOT cmd... : run cmd chrooted in ROOT with /proc and /dev, in a
# private mount namespace (nothing stays mounted after).
in_root() {
	local r=$1; shift
	unshare --mount --propagation private sh -c \
		'r=$1; shift; mount -t proc proc "$r/proc" &&
		 mount --rbind /dev "$r/dev" && exec chroot "$r" "$@"' \
		sh "$r" "$@"
}
