using System.Runtime.InteropServices;
using System.Text;

namespace ArchiveOverlay.Platform;

/// <summary>One extended attribute; name and value are bytes, as the kernel keeps them.</summary>
public sealed record XattrEntry(byte[] Name, byte[] Value)
{
    public bool NameIs(string name) => Name.AsSpan().SequenceEqual(Encoding.ASCII.GetBytes(name));
}

/// <summary>
/// Extended attributes of a file given either by an open descriptor or by a name in a directory.
/// A named file is reached as /proc/self/fd/DIRFD/NAME with the l* calls, so a symlink or device is
/// never followed or opened and the path stays short however deep the file lies.
/// </summary>
public static unsafe class Xattr
{
    private const int InitialBufferSize = 256;

    public static List<XattrEntry> ReadAll(int fd, ReadOnlySpan<byte> displayPath) =>
        ReadAll(new Target(fd, null), displayPath);

    public static List<XattrEntry> ReadAll(int dirFd, ReadOnlySpan<byte> name, ReadOnlySpan<byte> displayPath) =>
        ReadAll(new Target(-1, ProcPath(dirFd, name)), displayPath);

    /// <summary>Reads one attribute; "no such attribute" (ENODATA) is an expected miss.</summary>
    public static bool TryGet(int fd, string name, ReadOnlySpan<byte> displayPath, out byte[] value)
    {
        var result = TryGet(new Target(fd, null), PathText.NulTerminated(name), displayPath);
        value = result ?? [];
        return result is not null;
    }

    public static void Set(int fd, XattrEntry entry, ReadOnlySpan<byte> displayPath) =>
        Set(new Target(fd, null), entry, displayPath);

    public static void Set(int dirFd, ReadOnlySpan<byte> name, XattrEntry entry, ReadOnlySpan<byte> displayPath) =>
        Set(new Target(-1, ProcPath(dirFd, name)), entry, displayPath);

    private static List<XattrEntry> ReadAll(Target target, ReadOnlySpan<byte> displayPath)
    {
        var names = ListNames(target, displayPath);
        var entries = new List<XattrEntry>();
        var start = 0;
        for (var i = 0; i < names.Length; i++)
        {
            if (names[i] != 0)
            {
                continue;
            }
            var name = names.AsSpan(start, i - start + 1);
            start = i + 1;
            var value = TryGet(target, name, displayPath);
            if (value is not null)
            {
                entries.Add(new XattrEntry(name[..^1].ToArray(), value));
            }
        }
        entries.Sort(static (a, b) => a.Name.AsSpan().SequenceCompareTo(b.Name));
        return entries;
    }

    private static byte[] ListNames(Target target, ReadOnlySpan<byte> displayPath)
    {
        var size = InitialBufferSize;
        while (true)
        {
            var buffer = new byte[size];
            nint length;
            fixed (byte* list = buffer)
            fixed (byte* path = target.ProcPath)
            {
                length = path is null
                    ? LibC.flistxattr(target.Fd, list, (nuint)buffer.Length)
                    : LibC.llistxattr(path, list, (nuint)buffer.Length);
            }
            if (length >= 0)
            {
                return buffer.AsSpan(0, (int)length).ToArray();
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.EOPNOTSUPP)
            {
                return [];
            }
            if (errno != LibC.ERANGE)
            {
                throw new PosixException("list xattrs", PathText.Display(displayPath), errno);
            }
            size = QueryListSize(target, displayPath);
        }
    }

    private static int QueryListSize(Target target, ReadOnlySpan<byte> displayPath)
    {
        fixed (byte* path = target.ProcPath)
        {
            var length = path is null
                ? LibC.flistxattr(target.Fd, null, 0)
                : LibC.llistxattr(path, null, 0);
            PosixException.ThrowIfFailed(length, "list xattrs", displayPath);
            return Math.Max((int)length, 1);
        }
    }

    // Returns null when the attribute is absent; retries with the size the kernel reports on ERANGE.
    private static byte[]? TryGet(Target target, ReadOnlySpan<byte> nulTerminatedName, ReadOnlySpan<byte> displayPath)
    {
        var size = InitialBufferSize;
        while (true)
        {
            var buffer = new byte[size];
            nint length;
            fixed (byte* name = nulTerminatedName)
            fixed (byte* value = buffer)
            fixed (byte* path = target.ProcPath)
            {
                length = path is null
                    ? LibC.fgetxattr(target.Fd, name, value, (nuint)buffer.Length)
                    : LibC.lgetxattr(path, name, value, (nuint)buffer.Length);
                if (length < 0 && Marshal.GetLastPInvokeError() == LibC.ERANGE)
                {
                    var needed = path is null
                        ? LibC.fgetxattr(target.Fd, name, null, 0)
                        : LibC.lgetxattr(path, name, null, 0);
                    if (needed >= 0)
                    {
                        size = Math.Max((int)needed, size + 1);
                        continue;
                    }
                }
            }
            if (length >= 0)
            {
                return buffer.AsSpan(0, (int)length).ToArray();
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.ENODATA)
            {
                return null;
            }
            var attribute = PathText.Display(nulTerminatedName[..^1]);
            throw new PosixException($"get xattr '{attribute}' of", PathText.Display(displayPath), errno);
        }
    }

    private static void Set(Target target, XattrEntry entry, ReadOnlySpan<byte> displayPath)
    {
        var name = PathText.NulTerminated(entry.Name);
        fixed (byte* namePointer = name)
        fixed (byte* value = entry.Value)
        fixed (byte* path = target.ProcPath)
        {
            var length = (nuint)entry.Value.Length;
            var result = path is null
                ? LibC.fsetxattr(target.Fd, namePointer, value, length, 0)
                : LibC.lsetxattr(path, namePointer, value, length, 0);
            if (result < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                var attribute = PathText.Display(entry.Name);
                throw new PosixException($"set xattr '{attribute}' on", PathText.Display(displayPath), errno);
            }
        }
    }

    private static byte[] ProcPath(int dirFd, ReadOnlySpan<byte> name)
    {
        var prefix = Encoding.ASCII.GetBytes($"/proc/self/fd/{dirFd}/");
        var path = new byte[prefix.Length + name.Length + 1];
        prefix.CopyTo(path, 0);
        name.CopyTo(path.AsSpan(prefix.Length));
        return path;
    }

    private readonly record struct Target(int Fd, byte[]? ProcPath);
}
