using System.Runtime.Versioning;

namespace ArchiveOverlay.IntegrationTests.Podman;

/// <summary>
/// A canonical listing of a tree, one entry per line in byte order of paths, written by a busybox
/// script: the container runs it on its image mount, the host runs it with the same busybox on a
/// replay mount, so both listings come from the same code.
/// </summary>
[SupportedOSPlatform("linux")]
public static class PodmanReplayListing
{
    /// <summary>
    /// The listing script; its first argument is the tree's root. Fields, split by '|': path,
    /// type, mode in octal (setuid, setgid and sticky included), uid:gid, size (none for a
    /// directory: that is the file system's bookkeeping, which no archive holds), mtime with
    /// nanoseconds, device major,minor (hex), sha256 of a regular file (of its last MiB, marked
    /// "tail:", when it is over 64 MiB: a sparse terabyte is not read) or target of a symlink,
    /// the first path of the same inode when that is another path (hard links), the path's
    /// bytes in hex when it holds a byte that is not printable ASCII, and the extended
    /// attributes as getfattr dumps them in hex, sorted, apart from the overlay's own
    /// (trusted.overlay.*, user.overlay.*, user.fuseoverlayfs.*).
    /// What lies below ./wide and ./deep, where they exist, is summed up in one line each rather
    /// than listed: for ./wide the number of entries and a hash of their sorted paths, types,
    /// modes, owners, sizes and mtimes (names starting with '.wh.', a mount program's markers,
    /// left out); for ./deep the number of nested 'd' directories, the mode and owner of the last
    /// and the hash of its 'file'.
    /// </summary>
    public const string Script = """
        export LC_ALL=C TZ=UTC0
        cd "$1" || exit 1
        busybox find . \( -path ./wide -o -path ./deep \) -print -prune -o -print \
            | busybox sort | while IFS= read -r path; do
            line=$(busybox stat -c '%F|%a|%u:%g|%s|%y|%t,%T|%d:%i' "$path") || continue
            case "$line" in
                regular*)
                    if [ "$(busybox stat -c %s "$path")" -gt 67108864 ]; then
                        hash=$(busybox tail -c 1048576 "$path" | busybox sha256sum)
                        line="$line|tail:${hash%% *}"
                    else
                        hash=$(busybox sha256sum < "$path"); line="$line|${hash%% *}"
                    fi ;;
                symbolic*) line="$line|$(busybox readlink "$path")" ;;
                *) line="$line|" ;;
            esac
            case "$path" in
                *[![:print:]]*)
                    bytes=$(printf %s "$path" | busybox od -An -tx1 | busybox tr -d ' \n') ;;
                *) bytes= ;;
            esac
            xattrs=$(getfattr -h -d -m - -e hex -- "$path" \
                | busybox grep -v -e '^#' -e '^$' \
                    -e '^trusted\.overlay\.' -e '^user\.overlay\.' -e '^user\.fuseoverlayfs\.' \
                | busybox sort | busybox tr '\n' ' ')
            printf '%s|%s|%s|%s\n' "$path" "$line" "$bytes" "${xattrs% }"
        done | busybox awk -F'|' -v OFS='|' '{
            inode = $8
            $8 = $9
            if ($2 == "directory") {
                $5 = ""
                $9 = ""
            } else {
                if (!(inode in first)) first[inode] = $1
                $9 = first[inode] == $1 ? "" : first[inode]
            }
            print
        }'
        if [ -d ./wide ]; then
            count=$(busybox find ./wide -mindepth 1 ! -name '.wh.*' | busybox wc -l)
            hash=$(busybox find ./wide -mindepth 1 ! -name '.wh.*' \
                -exec busybox stat -c '%n|%F|%a|%u:%g|%s|%y' {} + | busybox sort | busybox sha256sum)
            printf '%s|%s|||%s|||%s|||\n' './wide/*' 'entries' "$count" "${hash%% *}"
        fi
        if [ -d ./deep ]; then
            bottom=$(cd ./deep && levels=0 \
                && while cd d 2>/dev/null; do levels=$((levels + 1)); done \
                && hash=$(busybox sha256sum < file) \
                && echo "$levels|$(busybox stat -c '%a|%u:%g' .)|${hash%% *}")
            printf '%s|%s|%s|||||\n' './deep/d/...' 'levels' "$bottom"
        fi
        """;

    /// <summary>
    /// Lists <paramref name="root"/> on the host with busybox from PATH, the binary that
    /// <see cref="PodmanSandbox.ImportBusyboxImage"/> puts into the container's image.
    /// </summary>
    public static CommandResult ListOnHost(string root) =>
        CommandResult.Run("busybox", ["sh", "-c", Script, "sh", root]);

    /// <summary>Splits a listing's output into entries.</summary>
    public static List<PodmanReplayEntry> Parse(string listing) =>
        listing
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(PodmanReplayEntry.Parse)
            .ToList();
}
