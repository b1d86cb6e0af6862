#!/usr/bin/env bash
# archive_overlay demo: a container changes files on an image mount; when it stops, podman runs
# the poststop hook, which archives the mount's upperdir (only the changes) twice: as a directory
# copy and as a tar.gz.
#
#   HOOK_BIN=/usr/libexec/oci/hooks.d/archive_overlay \
#   HOOK_CONFIG=/usr/share/containers/oci/hooks.d/archive-overlay.json demo/demo.sh
#
# HOOK_CONFIG is optional: without it the demo writes a hooks config of its own.
# Needs root, podman, runc and busybox-static. Everything happens in a throwaway podman store
# under a temp directory, removed at exit; the machine's own podman store is not used.
set -euo pipefail

HOOK_BIN=${HOOK_BIN:?set HOOK_BIN to the installed archive_overlay executable}
HOOK_BIN=$(readlink -f "$HOOK_BIN")
if [[ ! -x $HOOK_BIN ]]; then
    echo "demo: '$HOOK_BIN' is not an executable" >&2
    exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "demo: run as root (podman runs poststop hooks as root)" >&2
    exit 1
fi

demo=$(mktemp -d /tmp/archive-overlay-demo.XXXXXX)
out=$demo/out
export CONTAINERS_CONF=$demo/containers.conf
export CONTAINERS_STORAGE_CONF=$demo/storage.conf
export TMPDIR=$demo/tmp

mounts_below_demo() {
    awk -v root="$demo/" 'index($5, root) == 1 { print $5 }' /proc/self/mountinfo | sort -r
}

cleanup() {
    podman rm --all --force >/dev/null 2>&1 || true
    podman rmi --all --force >/dev/null 2>&1 || true
    # Anything still mounted below the demo directory (deepest first) goes before the files do.
    for mount_point in $(mounts_below_demo); do
        umount --lazy "$mount_point" || true
    done
    if [[ -n $(mounts_below_demo) ]]; then
        echo "demo: '$demo' still has mounts, left in place" >&2
    else
        rm -rf "$demo"
    fi
}
trap cleanup EXIT

step() {
    printf '\n=== %s\n' "$*"
}

step "1. A private podman: its own store, hooks directory and temp files under $demo"
mkdir -p "$demo"/{hooks.d,networks,tmp,store} "$out"
mkdir -p "$demo"/images/{busybox/bin,data/olddir,data/sub}
# runc with cgroupfs and explicit ulimits works on hosts where crun or the default limits do not.
cat >"$CONTAINERS_CONF" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=1024:1024"]
netns = "none"

[network]
network_config_dir = "$demo/networks"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
hooks_dir = ["$demo/hooks.d"]
tmp_dir = "$demo/tmp"
image_copy_tmp_dir = "$demo/tmp"
lock_type = "file"
EOF
cat >"$CONTAINERS_STORAGE_CONF" <<EOF
[storage]
driver = "overlay"
graphroot = "$demo/store/graph"
runroot = "$demo/store/run"
EOF

step "2. The hook: run at poststop, only for containers whose annotations ask for an archive"
# Podman discards a hook's output, so a small wrapper keeps the hook's log for step 5.
cat >"$demo/archive_overlay.sh" <<EOF
#!/bin/sh
exec '$HOOK_BIN' "\$@" 2>>'$demo/hook.log'
EOF
chmod 0755 "$demo/archive_overlay.sh"
if [[ -n ${HOOK_CONFIG:-} ]]; then
    # The installed hooks config, as make install wrote it, with the wrapper as its path.
    python3 - "$HOOK_CONFIG" "$demo/archive_overlay.sh" >"$demo/hooks.d/archive-overlay.json" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config["hook"]["path"] = sys.argv[2]
config["hook"]["args"] = ["archive_overlay", "--log-level", "debug"]
print(json.dumps(config, indent=2))
PY
else
cat >"$demo/hooks.d/archive-overlay.json" <<EOF
{
  "version": "1.0.0",
  "hook": {
    "path": "$demo/archive_overlay.sh",
    "args": ["archive_overlay", "--log-level", "debug"]
  },
  "when": {
    "annotations": {
      "^com\\\\.launchplatform\\\\.oci-hooks\\\\.archive-overlay\\\\.[^.]+\\\\.mount-point\$": ".+",
      "^com\\\\.launchplatform\\\\.oci-hooks\\\\.archive-overlay\\\\.[^.]+\\\\.archive-to\$": ".+"
    }
  },
  "stages": ["poststop"]
}
EOF
fi
cat "$demo/hooks.d/archive-overlay.json"

step "3. Two images: busybox to run, and a data image to mount"
cp "$(command -v busybox)" "$demo/images/busybox/bin/busybox"
for applet in sh echo ln mkdir rm; do
    ln -s busybox "$demo/images/busybox/bin/$applet"
done
echo "keep" >"$demo/images/data/keep.txt"
echo "old" >"$demo/images/data/change.txt"
echo "gone" >"$demo/images/data/gone.txt"
echo "inner" >"$demo/images/data/olddir/inner.txt"
echo "a" >"$demo/images/data/sub/a.txt"
import_image() {
    tar --numeric-owner -C "$demo/images/$1" -cf "$demo/images/$1.tar" .
    # podman 4.3 keeps an image-copy cache in /var/lib/containers/cache with no setting to move it:
    # a private tmpfs over /var/lib keeps this demo's import out of the real one.
    unshare --mount --propagation private sh -c \
        'mount -t tmpfs -o size=16m demo /var/lib && exec "$@"' sh \
        podman import --quiet "$demo/images/$1.tar" "localhost/demo-$1"
}
import_image busybox
import_image data
(cd "$demo/images/data" && find . | sort)

step "4. A container that changes /data; two archives of it are requested by annotation"
# NAME (here 'copy' and 'tgz') groups the annotations of one archive.
prefix=com.launchplatform.oci-hooks.archive-overlay
podman run --rm \
    --mount type=image,source=localhost/demo-data,destination=/data,rw=true \
    --annotation "$prefix.copy.mount-point=/data" \
    --annotation "$prefix.copy.archive-to=$out/copy" \
    --annotation "$prefix.copy.success=$out/copy.done" \
    --annotation "$prefix.tgz.mount-point=/data" \
    --annotation "$prefix.tgz.archive-to=$out/data.tar.gz" \
    --annotation "$prefix.tgz.method=tar.gz" \
    --annotation "$prefix.tgz.tar-content-owner=1000:1000" \
    --annotation "$prefix.tgz.success=$out/data.done" \
    localhost/demo-busybox sh -c '
        echo added > /data/added.txt                # a new file
        echo changed > /data/change.txt             # a changed file
        rm /data/gone.txt                           # a deleted file: a whiteout
        rm -rf /data/olddir && mkdir /data/olddir   # a recreated directory: opaque
        echo new > /data/olddir/fresh.txt
        ln -s /etc/shadow /data/link                # a symlink, archived as a symlink
    '

step "5. What was archived"
# A failing hook is silent in podman: the success files are the way to know an archive is whole.
if [[ ! -e $out/copy.done || ! -e $out/data.done ]]; then
    echo "demo: the hook did not complete both archives; its log:" >&2
    cat "$demo/hook.log" >&2 || true
    exit 1
fi
echo "--- success files (created once an archive is complete)"
ls -1 "$out"/*.done
echo "--- the copy: only the changes; gone.txt is a whiteout (character device 0,0)"
(cd "$out/copy" && find . -mindepth 1 | sort | xargs stat -c '%A %t,%T  %N')
echo "--- its xattrs: olddir is an opaque directory"
getfattr --absolute-names --recursive --no-dereference --dump --match=- "$out/copy" |
    sed "s|$out/copy|.|"
echo "--- the tar.gz, every entry owned by 1000:1000"
tar --numeric-owner -tvzf "$out/data.tar.gz"
echo "--- the hook's log"
cat "$demo/hook.log"
