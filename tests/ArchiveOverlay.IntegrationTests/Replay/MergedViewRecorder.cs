using System.Globalization;
using static ArchiveOverlay.IntegrationTests.Replay.ReplayLibC;

namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>
/// Records a mounted overlay as <see cref="MergedView"/>: per path the kind, permission bits
/// (setuid, setgid, sticky included), owner, size, mtime with nanoseconds, symlink target, device
/// numbers, xattrs, a content hash and which paths share an inode. The walk holds one directory
/// descriptor at a time and climbs back with "..", so depth costs neither descriptors nor
/// PATH_MAX.
/// </summary>
internal sealed class MergedViewRecorder
{
    private readonly Dictionary<(uint Major, uint Minor, ulong Ino), string> _firstLinks = [];

    private MergedViewRecorder()
    {
    }

    public static MergedView Record(string mountPoint) =>
        new MergedViewRecorder().Walk(ByteText.Bytes(mountPoint));

    private MergedView Walk(byte[] mountPoint)
    {
        var fd = Posix.OpenDirectory(AT_FDCWD, mountPoint);
        try
        {
            var root = Describe(fd, "."u8.ToArray(), Posix.Stat(fd, []), parent: null, ownFd: fd);
            var frames = new Stack<Frame>();
            frames.Push(new Frame(root, SortedNames(fd, root)));
            while (frames.Count > 0)
            {
                var frame = frames.Peek();
                if (frame.Next == frame.Names.Count)
                {
                    frames.Pop();
                    if (frames.Count > 0)
                    {
                        fd = Replace(fd, Posix.OpenDirectory(fd, ".."u8));
                    }
                    continue;
                }
                var name = frame.Names[frame.Next];
                frame.Names[frame.Next++] = [];
                if (!Posix.TryStat(fd, name, out var status))
                {
                    // Readdir lists it, lookup cannot find it: a whiteout the kernel passed on.
                    frame.Entry.Children.Add(new ViewEntry
                    {
                        Name = name,
                        Kind = ViewEntry.UnreachableKind,
                        Facts = [],
                        Parent = frame.Entry,
                    });
                    continue;
                }
                var type = status.Mode & S_IFMT;
                if (type == S_IFDIR)
                {
                    var directoryFd = Posix.OpenDirectory(fd, name);
                    fd = Replace(fd, directoryFd);
                    var directory = Describe(-1, name, status, frame.Entry, directoryFd);
                    frame.Entry.Children.Add(directory);
                    frames.Push(new Frame(directory, SortedNames(fd, directory)));
                    continue;
                }
                var fileFd = type == S_IFREG ? Posix.Open(fd, name, O_RDONLY | O_NOFOLLOW) : -1;
                try
                {
                    frame.Entry.Children.Add(Describe(fd, name, status, frame.Entry, fileFd));
                }
                finally
                {
                    if (fileFd >= 0)
                    {
                        Posix.Close(fileFd);
                    }
                }
            }
            return new MergedView(root);
        }
        finally
        {
            Posix.Close(fd);
        }
    }

    private static int Replace(int fd, int next)
    {
        Posix.Close(fd);
        return next;
    }

    private static List<byte[]> SortedNames(int fd, ViewEntry directory)
    {
        var names = Posix.ReadDirectory(fd, directory.Name);
        names.Sort(static (a, b) => a.AsSpan().SequenceCompareTo(b));
        return names;
    }

    // ownFd is the entry opened (directories and regular files) or -1 for other kinds.
    private ViewEntry Describe(
        int parentFd,
        byte[] name,
        StatxBuffer status,
        ViewEntry? parent,
        int ownFd)
    {
        var kind = KindOf(status.Mode);
        var facts = new List<string>
        {
            "mode=" + Convert.ToString(status.Mode & 0xFFF, 8).PadLeft(4, '0'),
            Invariant($"owner={status.Uid}:{status.Gid}"),
            Invariant($"mtime={status.MtimeSeconds}.{status.MtimeNanoseconds:D9}"),
        };
        switch (kind)
        {
            case "file":
                facts.Add(Invariant($"size={status.Size}"));
                facts.Add("content=" + ContentHash.Of(ownFd, (long)status.Size, name));
                break;
            case "symlink":
                facts.Add("target=" + ByteText.Display(Posix.ReadLink(parentFd, name)));
                break;
            case "char device" or "block device":
                facts.Add(Invariant($"device={status.RdevMajor},{status.RdevMinor}"));
                break;
        }
        var xattrs = ownFd >= 0
            ? Posix.ReadXattrs(ownFd, name)
            : Posix.ReadXattrs(ProcPath(parentFd, name));
        foreach (var (xattrName, value) in xattrs)
        {
            var key = xattrName.Replace("=", @"\x3d", StringComparison.Ordinal);
            facts.Add($"xattr {key}=0x{Convert.ToHexStringLower(value)}");
        }
        if (kind != "directory" && status.Nlink > 1)
        {
            // Inode numbers differ between an upperdir and its replay; which paths share one
            // does not.
            var path = ByteText.DisplayPath(ByteText.Join(parent!.RelativePath, name));
            var identity = (status.DevMajor, status.DevMinor, status.Ino);
            if (!_firstLinks.TryGetValue(identity, out var first))
            {
                first = path;
                _firstLinks.Add(identity, path);
            }
            facts.Add("hard-link-group=" + first);
        }
        return new ViewEntry { Name = name, Kind = kind, Facts = [.. facts], Parent = parent };
    }

    private static string Invariant(FormattableString text) =>
        text.ToString(CultureInfo.InvariantCulture);

    // The entry as a short path through the parent's descriptor, for the path-based xattr calls.
    private static byte[] ProcPath(int parentFd, ReadOnlySpan<byte> name) =>
        [.. ByteText.Bytes(Invariant($"/proc/self/fd/{parentFd}/")), .. name];

    private static string KindOf(uint mode) => (mode & S_IFMT) switch
    {
        S_IFDIR => "directory",
        S_IFREG => "file",
        S_IFLNK => "symlink",
        S_IFCHR => "char device",
        S_IFBLK => "block device",
        S_IFIFO => "fifo",
        S_IFSOCK => "socket",
        _ => "unknown",
    };

    // A directory being walked: its entry and the sorted names still to visit.
    private sealed class Frame(ViewEntry entry, List<byte[]> names)
    {
        public ViewEntry Entry { get; } = entry;

        public List<byte[]> Names { get; } = names;

        public int Next { get; set; }
    }
}
