using System.Globalization;
using static ArchiveOverlay.IntegrationTests.Replay.ReplayLibC;

namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>
/// One generated change, applied through a mounted overlay with raw system calls. A change that
/// the kernel refuses (the path is gone, a rename crosses into a lower directory) changes nothing,
/// so any subset of a change set can be applied, which is what minimizing needs. Nothing follows
/// a final symlink, and generated symlink targets are one name, so no change leaves the mount.
/// </summary>
internal sealed record ChangeOperation(ChangeKind Kind, byte[] Path)
{
    /// <summary>The second path (rename, link), the symlink target, or the xattr name.</summary>
    public byte[] Other { get; init; } = [];

    /// <summary>Bytes to write, or the xattr value.</summary>
    public byte[] Data { get; init; } = [];

    /// <summary>Offset, length, mode, uid or seconds, by kind.</summary>
    public long Number { get; init; }

    /// <summary>gid or nanoseconds, by kind.</summary>
    public long Number2 { get; init; }

    /// <summary>Applies the change below the mount point; false when the kernel refused it.
    /// </summary>
    public bool TryApply(byte[] mountPoint)
    {
        var path = ByteText.Join(mountPoint, Path);
        try
        {
            Apply(mountPoint, path);
            return true;
        }
        catch (PosixCallException)
        {
            return false;
        }
    }

    public override string ToString()
    {
        var path = ByteText.DisplayPath(Path);
        var other = ByteText.DisplayPath(Other);
        return Kind switch
        {
            ChangeKind.Create => $"create {path} with {DescribeData()}",
            ChangeKind.Write => Invariant($"write {path} at {Number}: {DescribeData()}"),
            ChangeKind.Append => $"append to {path}: {DescribeData()}",
            ChangeKind.Truncate => Invariant($"truncate {path} to {Number}"),
            ChangeKind.ChangeMode => $"chmod {Convert.ToString(Number, 8)} {path}",
            ChangeKind.ChangeOwner => Invariant($"lchown {Number}:{Number2} {path}"),
            ChangeKind.SetXattr => $"setxattr {path} {ByteText.Display(Other)}={Hex(Data)}",
            ChangeKind.RemoveXattr => $"removexattr {path} {ByteText.Display(Other)}",
            ChangeKind.Rename => $"rename {path} -> {other}",
            ChangeKind.Link => $"link {path} as {other}",
            ChangeKind.Symlink => $"symlink {path} -> {ByteText.Display(Other)}",
            ChangeKind.Remove => $"remove {path}",
            ChangeKind.RemoveTreeAndRecreate => $"rm -r {path} and mkdir it again",
            ChangeKind.MakeDirectory => $"mkdir {Convert.ToString(Number, 8)} {path}",
            ChangeKind.MakeFifo => $"mkfifo {path}",
            ChangeKind.SetTime => Invariant($"set mtime of {path} to {Number}.{Number2:D9}"),
            ChangeKind.MakeWhiteout => $"whiteout {path}",
            _ => $"{Kind} {path}",
        };
    }

    private void Apply(byte[] mountPoint, byte[] path)
    {
        switch (Kind)
        {
            case ChangeKind.Create:
                WriteFile(path, O_CREAT | O_TRUNC, 0);
                break;
            case ChangeKind.Write:
                WriteFile(path, 0, Number);
                break;
            case ChangeKind.Append:
                WriteFile(path, O_APPEND, 0);
                break;
            case ChangeKind.Truncate:
                var fd = OpenForWriting(path, 0);
                try
                {
                    Posix.Truncate(fd, Number, path);
                }
                finally
                {
                    Posix.Close(fd);
                }
                break;
            case ChangeKind.ChangeMode:
                // chmod follows symlinks; a symlink's own mode means nothing, so leave it alone.
                if ((Posix.Stat(AT_FDCWD, path).Mode & S_IFMT) != S_IFLNK)
                {
                    Posix.ChangeMode(AT_FDCWD, path, (uint)Number);
                }
                break;
            case ChangeKind.ChangeOwner:
                Posix.ChangeOwner(AT_FDCWD, path, (uint)Number, (uint)Number2);
                break;
            case ChangeKind.SetXattr:
                Posix.SetXattr(path, Other, Data);
                break;
            case ChangeKind.RemoveXattr:
                Posix.RemoveXattr(path, Other);
                break;
            case ChangeKind.Rename:
                Posix.Rename(AT_FDCWD, path, ByteText.Join(mountPoint, Other));
                break;
            case ChangeKind.Link:
                Posix.Link(AT_FDCWD, path, ByteText.Join(mountPoint, Other));
                break;
            case ChangeKind.Symlink:
                Posix.Symlink(Other, AT_FDCWD, path);
                break;
            case ChangeKind.Remove:
                var isDirectory = (Posix.Stat(AT_FDCWD, path).Mode & S_IFMT) == S_IFDIR;
                Posix.Unlink(AT_FDCWD, path, isDirectory);
                break;
            case ChangeKind.RemoveTreeAndRecreate:
                RemoveTree(path);
                Posix.MakeDirectory(AT_FDCWD, path, 0x1ED);
                break;
            case ChangeKind.MakeDirectory:
                Posix.MakeDirectory(AT_FDCWD, path, (uint)Number);
                break;
            case ChangeKind.MakeFifo:
                Posix.MakeNode(AT_FDCWD, path, S_IFIFO | 0x1A4, 0, 0);
                break;
            case ChangeKind.SetTime:
                Posix.SetModifiedTime(AT_FDCWD, path, Number, Number2);
                break;
            case ChangeKind.MakeWhiteout:
                Posix.MakeNode(AT_FDCWD, path, S_IFCHR, 0, 0);
                break;
        }
    }

    // O_NONBLOCK: opening a FIFO for writing fails at once instead of waiting for a reader.
    private static int OpenForWriting(byte[] path, int flags) =>
        Posix.Open(AT_FDCWD, path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | flags, 0x1A4);

    private void WriteFile(byte[] path, int flags, long offset)
    {
        var fd = OpenForWriting(path, flags);
        try
        {
            Posix.WriteAt(fd, Data, offset, path);
        }
        finally
        {
            Posix.Close(fd);
        }
    }

    private static void RemoveTree(byte[] path)
    {
        if ((Posix.Stat(AT_FDCWD, path).Mode & S_IFMT) != S_IFDIR)
        {
            Posix.Unlink(AT_FDCWD, path, isDirectory: false);
            return;
        }
        var fd = Posix.OpenDirectory(AT_FDCWD, path);
        List<byte[]> names;
        try
        {
            names = Posix.ReadDirectory(fd, path);
        }
        finally
        {
            Posix.Close(fd);
        }
        foreach (var name in names)
        {
            RemoveTree(ByteText.Join(path, name));
        }
        Posix.Unlink(AT_FDCWD, path, isDirectory: true);
    }

    private string DescribeData() =>
        Data.Length <= 16 ? Hex(Data) : Invariant($"{Data.Length} bytes");

    private static string Hex(byte[] bytes) => "0x" + Convert.ToHexStringLower(bytes);

    private static string Invariant(FormattableString text) =>
        text.ToString(CultureInfo.InvariantCulture);
}
