using System.Runtime.InteropServices;
using static ArchiveOverlay.IntegrationTests.Replay.ReplayLibC;

namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>
/// Checked wrappers over <see cref="ReplayLibC"/>: every failure throws a
/// <see cref="PosixCallException"/> naming the call and the path. Nothing follows symlinks.
/// </summary>
internal static unsafe class Posix
{
    private const int DirectoryBufferSize = 64 * 1024;

    public static int Open(int dirFd, ReadOnlySpan<byte> path, int flags, uint mode = 0)
    {
        fixed (byte* p = Terminated(path))
        {
            var fd = openat(dirFd, p, flags | O_CLOEXEC, mode);
            return fd >= 0 ? fd : throw Failure("open", path);
        }
    }

    public static int OpenDirectory(int dirFd, ReadOnlySpan<byte> path) =>
        Open(dirFd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);

    public static void Close(int fd)
    {
        close(fd);
    }

    /// <summary>The names in a directory but "." and "..", in the order the kernel gives.
    /// </summary>
    public static List<byte[]> ReadDirectory(int fd, ReadOnlySpan<byte> displayPath)
    {
        var names = new List<byte[]>();
        var buffer = new byte[DirectoryBufferSize];
        fixed (byte* start = buffer)
        {
            while (true)
            {
                var length = getdents64(fd, start, (nuint)buffer.Length);
                if (length < 0)
                {
                    throw Failure("getdents64", displayPath);
                }
                if (length == 0)
                {
                    return names;
                }
                // struct linux_dirent64: ino (8), off (8), reclen (2), type (1), name.
                for (var offset = 0; offset < length;)
                {
                    var recordLength = BitConverter.ToUInt16(buffer, offset + 16);
                    var name = buffer.AsSpan(offset + 19, recordLength - 19);
                    name = name[..name.IndexOf((byte)0)];
                    if (!name.SequenceEqual("."u8) && !name.SequenceEqual(".."u8))
                    {
                        names.Add(name.ToArray());
                    }
                    offset += recordLength;
                }
            }
        }
    }

    /// <summary>statx, not following a final symlink; an empty path describes dirFd itself.
    /// </summary>
    public static StatxBuffer Stat(int dirFd, ReadOnlySpan<byte> path)
    {
        StatxBuffer buffer;
        var flags = AT_SYMLINK_NOFOLLOW | (path.IsEmpty ? AT_EMPTY_PATH : 0);
        fixed (byte* p = Terminated(path))
        {
            if (statx(dirFd, p, flags, STATX_BASIC_STATS, &buffer) != 0)
            {
                throw Failure("statx", path);
            }
        }
        return buffer;
    }

    public static bool TryStat(int dirFd, ReadOnlySpan<byte> path, out StatxBuffer status)
    {
        try
        {
            status = Stat(dirFd, path);
            return true;
        }
        catch (PosixCallException e) when (e.Errno == ENOENT)
        {
            status = default;
            return false;
        }
    }

    public static byte[] ReadLink(int dirFd, ReadOnlySpan<byte> path)
    {
        var buffer = new byte[4096];
        fixed (byte* p = Terminated(path))
        fixed (byte* target = buffer)
        {
            var length = readlinkat(dirFd, p, target, (nuint)buffer.Length);
            return length >= 0 ? buffer[..(int)length] : throw Failure("readlink", path);
        }
    }

    /// <summary>Every xattr of a path (not followed), sorted by name.</summary>
    public static SortedList<string, byte[]> ReadXattrs(ReadOnlySpan<byte> path)
    {
        var pathBytes = Terminated(path);
        return ReadXattrs(
            (buffer, size) =>
            {
                fixed (byte* p = pathBytes)
                {
                    return llistxattr(p, buffer, size);
                }
            },
            (name, buffer, size) =>
            {
                fixed (byte* p = pathBytes)
                {
                    return lgetxattr(p, name, buffer, size);
                }
            },
            path);
    }

    /// <summary>Every xattr of an open file, sorted by name.</summary>
    public static SortedList<string, byte[]> ReadXattrs(int fd, ReadOnlySpan<byte> displayPath) =>
        ReadXattrs(
            (buffer, size) => flistxattr(fd, buffer, size),
            (name, buffer, size) => fgetxattr(fd, name, buffer, size),
            displayPath);

    private static SortedList<string, byte[]> ReadXattrs(
        SizedCall list,
        NamedSizedCall get,
        ReadOnlySpan<byte> displayPath)
    {
        var xattrs = new SortedList<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in SplitNames(CallWithGrowingBuffer(list, "listxattr", displayPath)))
        {
            var nameBytes = Terminated(name);
            var value = CallWithGrowingBuffer(
                (buffer, size) =>
                {
                    fixed (byte* n = nameBytes)
                    {
                        return get(n, buffer, size);
                    }
                },
                "getxattr",
                displayPath);
            xattrs.Add(ByteText.Display(name), value);
        }
        return xattrs;
    }

    public static void SetXattr(
        ReadOnlySpan<byte> path,
        ReadOnlySpan<byte> name,
        ReadOnlySpan<byte> value)
    {
        fixed (byte* p = Terminated(path))
        fixed (byte* n = Terminated(name))
        fixed (byte* v = value)
        {
            if (lsetxattr(p, n, v, (nuint)value.Length, 0) != 0)
            {
                throw Failure("lsetxattr", path);
            }
        }
    }

    public static void RemoveXattr(ReadOnlySpan<byte> path, ReadOnlySpan<byte> name)
    {
        fixed (byte* p = Terminated(path))
        fixed (byte* n = Terminated(name))
        {
            Check(lremovexattr(p, n), "lremovexattr", path);
        }
    }

    /// <summary>The first data offset at or after offset, or -1 when only a hole follows.
    /// </summary>
    public static long SeekData(int fd, long offset, ReadOnlySpan<byte> displayPath)
    {
        var result = lseek(fd, offset, SEEK_DATA);
        if (result >= 0)
        {
            return result;
        }
        return Marshal.GetLastPInvokeError() == ENXIO ? -1 : throw Failure("lseek", displayPath);
    }

    public static long SeekHole(int fd, long offset, ReadOnlySpan<byte> displayPath)
    {
        var result = lseek(fd, offset, SEEK_HOLE);
        return result >= 0 ? result : throw Failure("lseek", displayPath);
    }

    public static int ReadAt(
        int fd,
        Span<byte> buffer,
        long offset,
        ReadOnlySpan<byte> displayPath)
    {
        fixed (byte* b = buffer)
        {
            var read = pread(fd, b, (nuint)buffer.Length, offset);
            return read >= 0 ? (int)read : throw Failure("pread", displayPath);
        }
    }

    public static void WriteAt(
        int fd,
        ReadOnlySpan<byte> data,
        long offset,
        ReadOnlySpan<byte> displayPath)
    {
        fixed (byte* b = data)
        {
            var written = pwrite(fd, b, (nuint)data.Length, offset);
            if (written != data.Length)
            {
                throw Failure("pwrite", displayPath);
            }
        }
    }

    public static void Truncate(int fd, long length, ReadOnlySpan<byte> displayPath)
    {
        if (ftruncate(fd, length) != 0)
        {
            throw Failure("ftruncate", displayPath);
        }
    }

    public static void MakeDirectory(int dirFd, ReadOnlySpan<byte> path, uint mode)
    {
        fixed (byte* p = Terminated(path))
        {
            Check(mkdirat(dirFd, p, mode), "mkdir", path);
        }
    }

    public static void MakeNode(
        int dirFd,
        ReadOnlySpan<byte> path,
        uint mode,
        uint major,
        uint minor)
    {
        // glibc's makedev: the device number packs major and minor bits this way.
        var device = ((ulong)(major & 0xFFFFF000) << 32) | ((ulong)(major & 0xFFF) << 8)
            | ((ulong)(minor & 0xFFFFFF00) << 12) | (minor & 0xFF);
        fixed (byte* p = Terminated(path))
        {
            Check(mknodat(dirFd, p, mode, device), "mknod", path);
        }
    }

    public static void ChangeMode(int dirFd, ReadOnlySpan<byte> path, uint mode)
    {
        fixed (byte* p = Terminated(path))
        {
            Check(fchmodat(dirFd, p, mode, 0), "chmod", path);
        }
    }

    public static void ChangeOwner(int dirFd, ReadOnlySpan<byte> path, uint uid, uint gid)
    {
        fixed (byte* p = Terminated(path))
        {
            Check(fchownat(dirFd, p, uid, gid, AT_SYMLINK_NOFOLLOW), "lchown", path);
        }
    }

    public static void Rename(int dirFd, ReadOnlySpan<byte> from, ReadOnlySpan<byte> to)
    {
        fixed (byte* f = Terminated(from))
        fixed (byte* t = Terminated(to))
        {
            Check(renameat(dirFd, f, dirFd, t), "rename", from);
        }
    }

    public static void Link(int dirFd, ReadOnlySpan<byte> existing, ReadOnlySpan<byte> path)
    {
        fixed (byte* e = Terminated(existing))
        fixed (byte* p = Terminated(path))
        {
            Check(linkat(dirFd, e, dirFd, p, 0), "link", path);
        }
    }

    public static void Symlink(ReadOnlySpan<byte> target, int dirFd, ReadOnlySpan<byte> path)
    {
        fixed (byte* t = Terminated(target))
        fixed (byte* p = Terminated(path))
        {
            Check(symlinkat(t, dirFd, p), "symlink", path);
        }
    }

    public static void Unlink(int dirFd, ReadOnlySpan<byte> path, bool isDirectory)
    {
        fixed (byte* p = Terminated(path))
        {
            var result = unlinkat(dirFd, p, isDirectory ? AT_REMOVEDIR : 0);
            Check(result, isDirectory ? "rmdir" : "unlink", path);
        }
    }

    public static void SetModifiedTime(
        int dirFd,
        ReadOnlySpan<byte> path,
        long seconds,
        long nanoseconds)
    {
        var times = stackalloc Timespec[2];
        // UTIME_OMIT keeps the access time as it is.
        times[0] = new Timespec { Seconds = 0, Nanoseconds = (1L << 30) - 2 };
        times[1] = new Timespec { Seconds = seconds, Nanoseconds = nanoseconds };
        fixed (byte* p = Terminated(path))
        {
            Check(utimensat(dirFd, p, times, AT_SYMLINK_NOFOLLOW), "utimensat", path);
        }
    }

    public static void Mount(
        string source,
        string target,
        string type,
        bool readOnly,
        string options)
    {
        if (mount(source, target, type, readOnly ? MS_RDONLY : 0, options) != 0)
        {
            throw new PosixCallException(
                $"mount -t {type} -o {(readOnly ? "ro," : "")}{options}",
                target,
                Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Unmounts; a busy mount is detached instead, so it never outlives the test.
    /// </summary>
    public static void Unmount(string target)
    {
        if (umount2(target, 0) == 0)
        {
            return;
        }
        var errno = Marshal.GetLastPInvokeError();
        if (errno == EBUSY && umount2(target, MNT_DETACH) == 0)
        {
            return;
        }
        throw new PosixCallException("umount", target, errno);
    }

    private static void Check(int result, string operation, ReadOnlySpan<byte> path)
    {
        if (result != 0)
        {
            throw Failure(operation, path);
        }
    }

    private static PosixCallException Failure(string operation, ReadOnlySpan<byte> path) =>
        new(operation, ByteText.Display(path), Marshal.GetLastPInvokeError());

    private static byte[] Terminated(ReadOnlySpan<byte> path) => [.. path, 0];

    private delegate nint SizedCall(byte* buffer, nuint size);

    private delegate nint NamedSizedCall(byte* name, byte* buffer, nuint size);

    // Asks for the size first and retries while another writer makes the value grow (ERANGE).
    private static byte[] CallWithGrowingBuffer(
        SizedCall call,
        string operation,
        ReadOnlySpan<byte> path)
    {
        while (true)
        {
            var size = call(null, 0);
            if (size < 0)
            {
                throw Failure(operation, path);
            }
            var buffer = new byte[size];
            fixed (byte* b = buffer)
            {
                var length = call(b, (nuint)buffer.Length);
                if (length >= 0)
                {
                    return buffer[..(int)length];
                }
                if (Marshal.GetLastPInvokeError() != ERANGE)
                {
                    throw Failure(operation, path);
                }
            }
        }
    }

    private static List<byte[]> SplitNames(byte[] list)
    {
        var names = new List<byte[]>();
        var rest = list.AsSpan();
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)0);
            names.Add(rest[..end].ToArray());
            rest = rest[(end + 1)..];
        }
        return names;
    }
}
