#!/usr/bin/env bash
# Times archive_overlay against GNU tar, gzip, pigz and cp on the same upperdir-like tree, in one run.
# Usage: bench/run.sh [path/to/archive_overlay]   (env: BENCH_SMALL_FILES, BENCH_LARGE_MIB, BENCH_DIR)
# Prints wall seconds and peak memory (max RSS) of each command; output files are compared for size.
set -euo pipefail

binary=$(readlink -f "${1:-build/archive_overlay}")
small_files=${BENCH_SMALL_FILES:-20000}
large_mib=${BENCH_LARGE_MIB:-512}
work=$(mktemp -d "${BENCH_DIR:-/var/tmp}/archive-overlay-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
command -v /usr/bin/time >/dev/null || { echo "bench needs /usr/bin/time (package time)" >&2; exit 2; }

# The tree: many small files in nested directories (text-like, compressible), a few large files
# (half random, half text), and one sparse file of 8 GiB with 1 MiB of data.
upper=$work/upper
mkdir -p "$upper"
python3 - "$upper" "$small_files" "$large_mib" <<'PY'
import os, random, sys
root, count, large_mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(42)
words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9))) for _ in range(5000)]
for i in range(count):
    d = os.path.join(root, "d%02d" % (i % 50), "e%03d" % (i % 997))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%06d.txt" % i), "wb") as f:
        f.write(b" ".join(rng.choice(words) for _ in range(rng.randint(10, 800))))
os.makedirs(os.path.join(root, "large"), exist_ok=True)
for i in range(4):
    with open(os.path.join(root, "large", "blob%d" % i), "wb") as f:
        for _ in range(large_mib // 4):
            f.write(os.urandom(1 << 20) if i % 2 == 0 else b" ".join(rng.choices(words, k=150000))[: 1 << 20])
with open(os.path.join(root, "large", "sparse"), "wb") as f:
    f.truncate(8 << 30)
    f.seek(4 << 30)
    f.write(os.urandom(1 << 20))
PY
sync
echo "tree: $(du -sh --apparent-size "$upper" | cut -f1) apparent, $(du -sh "$upper" | cut -f1) on disk," \
  "$(find "$upper" | wc -l) entries; $(nproc) cores"

mkdir -p "$work/bundle"
cat > "$work/bundle/config.json" <<JSON
{"mounts":[{"destination":"/data","type":"overlay","source":"overlay",
  "options":["lowerdir=$work","upperdir=$upper","workdir=$work/w"]}]}
JSON
state() {
  printf '{"ociVersion":"1.0.2","id":"bench","status":"stopped","bundle":"%s","annotations":{' "$work/bundle"
  printf '"com.launchplatform.oci-hooks.archive-overlay.b.mount-point":"/data",'
  printf '"com.launchplatform.oci-hooks.archive-overlay.b.archive-to":"%s",' "$1"
  printf '"com.launchplatform.oci-hooks.archive-overlay.b.method":"%s"}}' "$2"
}

export work
export -f state

printf '%-44s %9s %12s %12s\n' command seconds max-rss-MiB output-MiB
measure() {
  local name=$1 output=$2
  shift 2
  sync
  echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>>"$work/stderr"
  read -r seconds rss < "$work/time"
  local size
  size=$(du -sm "$output" 2>/dev/null | cut -f1)
  printf '%-44s %9s %12s %12s\n' "$name" "$seconds" "$((rss / 1024))" "${size:--}"
  rm -rf "$output"
}

measure "archive_overlay tar.gz" "$work/a.tar.gz" \
  bash -c 'state "$@" | "$0"' "$binary" "$work/a.tar.gz" tar.gz
measure "GNU tar -czf (gzip -6, one core)" "$work/g.tar.gz" \
  tar --xattrs --xattrs-include='*' --sparse --format=posix -czf "$work/g.tar.gz" -C "$upper" .
measure "GNU tar -cf | pigz (all cores)" "$work/p.tar.gz" \
  sh -c "tar --xattrs --xattrs-include='*' --sparse --format=posix -cf - -C '$upper' . | pigz > '$work/p.tar.gz'"
measure "GNU tar -cf | gzip -1" "$work/f.tar.gz" \
  sh -c "tar --sparse --format=posix -cf - -C '$upper' . | gzip -1 > '$work/f.tar.gz'"
measure "archive_overlay copy" "$work/copy" \
  bash -c 'state "$@" | "$0"' "$binary" "$work/copy" copy
measure "cp -a --sparse=always" "$work/cp" cp -a --sparse=always "$upper" "$work/cp"
