using System.Buffers;
using System.Runtime.InteropServices;

namespace ArchiveOverlay.Platform;

/// <summary>
/// Safe wrappers over the *at(2) calls. A file is named by a directory descriptor and a name in it,
/// so paths never grow past PATH_MAX; no call follows a final symlink.
/// </summary>
public static unsafe class FileOperations
{
    private const int DirectoryBufferSize = 64 * 1024;

    /// <summary>Lists a directory's entry names, without "." and "..", in the order the kernel gives.</summary>
    public static List<byte[]> ReadDirectory(int dirFd, ReadOnlySpan<byte> displayPath)
    {
        var names = new List<byte[]>();
        var buffer = ArrayPool<byte>.Shared.Rent(DirectoryBufferSize);
        try
        {
            fixed (byte* start = buffer)
            {
                while (true)
                {
                    var length = LibC.getdents64(dirFd, start, (nuint)buffer.Length);
                    PosixException.ThrowIfFailed(length, "read directory", displayPath);
                    if (length == 0)
                    {
                        return names;
                    }
                    ParseEntries(buffer.AsSpan(0, (int)length), names);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[].
    private static void ParseEntries(ReadOnlySpan<byte> records, List<byte[]> names)
    {
        const int NameOffset = 19;
        while (!records.IsEmpty)
        {
            var recordLength = records[16] | (records[17] << 8);
            var name = records[NameOffset..recordLength];
            name = name[..name.IndexOf((byte)0)];
            if (!name.SequenceEqual("."u8) && !name.SequenceEqual(".."u8))
            {
                names.Add(name.ToArray());
            }
            records = records[recordLength..];
        }
    }

    public static byte[] ReadLink(int dirFd, ReadOnlySpan<byte> name, ReadOnlySpan<byte> displayPath)
    {
        var z = PathText.NulTerminated(name);
        var size = 256;
        while (true)
        {
            var buffer = new byte[size];
            nint length;
            fixed (byte* path = z)
            fixed (byte* target = buffer)
            {
                length = LibC.readlinkat(dirFd, path, target, (nuint)buffer.Length);
            }
            PosixException.ThrowIfFailed(length, "read link", displayPath);
            if (length < buffer.Length)
            {
                return buffer.AsSpan(0, (int)length).ToArray();
            }
            size *= 2;
        }
    }

    public static void MakeDirectory(int dirFd, ReadOnlySpan<byte> name, uint mode, ReadOnlySpan<byte> displayPath)
    {
        var z = PathText.NulTerminated(name);
        fixed (byte* path = z)
        {
            PosixException.ThrowIfFailed(LibC.mkdirat(dirFd, path, mode), "create directory", displayPath);
        }
    }

    /// <summary>Creates a device node or FIFO; <paramref name="mode"/> carries the S_IF* type bits.</summary>
    public static void MakeNode(
        int dirFd,
        ReadOnlySpan<byte> name,
        uint mode,
        uint major,
        uint minor,
        ReadOnlySpan<byte> displayPath)
    {
        var z = PathText.NulTerminated(name);
        fixed (byte* path = z)
        {
            var result = LibC.mknodat(dirFd, path, mode, MakeDevice(major, minor));
            PosixException.ThrowIfFailed(result, "create node", displayPath);
        }
    }

    public static void MakeSymlink(
        ReadOnlySpan<byte> target,
        int dirFd,
        ReadOnlySpan<byte> name,
        ReadOnlySpan<byte> displayPath)
    {
        var targetZ = PathText.NulTerminated(target);
        var nameZ = PathText.NulTerminated(name);
        fixed (byte* targetPointer = targetZ)
        fixed (byte* path = nameZ)
        {
            PosixException.ThrowIfFailed(LibC.symlinkat(targetPointer, dirFd, path), "create symlink", displayPath);
        }
    }

    public static void MakeHardLink(
        int existingDirFd,
        ReadOnlySpan<byte> existingName,
        int dirFd,
        ReadOnlySpan<byte> name,
        ReadOnlySpan<byte> displayPath)
    {
        var existingZ = PathText.NulTerminated(existingName);
        var nameZ = PathText.NulTerminated(name);
        fixed (byte* existing = existingZ)
        fixed (byte* path = nameZ)
        {
            var result = LibC.linkat(existingDirFd, existing, dirFd, path, 0);
            PosixException.ThrowIfFailed(result, "create hard link", displayPath);
        }
    }

    /// <summary>Removes a file, or an empty directory when <paramref name="isDirectory"/> is set.</summary>
    public static void Remove(int dirFd, ReadOnlySpan<byte> name, bool isDirectory, ReadOnlySpan<byte> displayPath)
    {
        var z = PathText.NulTerminated(name);
        fixed (byte* path = z)
        {
            var result = LibC.unlinkat(dirFd, path, isDirectory ? LibC.AT_REMOVEDIR : 0);
            PosixException.ThrowIfFailed(result, "remove", displayPath);
        }
    }

    /// <summary>Renames within one directory; with <paramref name="replace"/> unset an existing target fails.</summary>
    public static void Rename(
        int dirFd,
        ReadOnlySpan<byte> oldName,
        ReadOnlySpan<byte> newName,
        bool replace,
        ReadOnlySpan<byte> displayPath)
    {
        var result = RenameAt(dirFd, oldName, newName, replace ? 0 : LibC.RENAME_NOREPLACE);
        PosixException.ThrowIfFailed(result, "rename into place", displayPath);
    }

    /// <summary>
    /// Swaps two names in one directory atomically; false when the file system cannot
    /// (RENAME_EXCHANGE unsupported).
    /// </summary>
    public static bool TryExchange(
        int dirFd,
        ReadOnlySpan<byte> name,
        ReadOnlySpan<byte> otherName,
        ReadOnlySpan<byte> displayPath)
    {
        if (RenameAt(dirFd, name, otherName, LibC.RENAME_EXCHANGE) == 0)
        {
            return true;
        }
        var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        if (errno is Errno.EINVAL or Errno.ENOSYS)
        {
            return false;
        }
        throw new PosixException("rename into place", PathText.Display(displayPath), errno);
    }

    private static int RenameAt(int dirFd, ReadOnlySpan<byte> oldName, ReadOnlySpan<byte> newName, uint flags)
    {
        var oldZ = PathText.NulTerminated(oldName);
        var newZ = PathText.NulTerminated(newName);
        fixed (byte* oldPath = oldZ)
        fixed (byte* newPath = newZ)
        {
            return LibC.renameat2(dirFd, oldPath, dirFd, newPath, flags);
        }
    }

    public static void Sync(int fd, ReadOnlySpan<byte> displayPath) =>
        PosixException.ThrowIfFailed(LibC.fsync(fd), "sync", displayPath);

    public static void SyncFileSystem(int fd, ReadOnlySpan<byte> displayPath) =>
        PosixException.ThrowIfFailed(LibC.syncfs(fd), "sync file system of", displayPath);

    /// <summary>Sets owner and group of a named file, never following a final symlink.</summary>
    public static void SetOwner(int dirFd, ReadOnlySpan<byte> name, uint uid, uint gid, ReadOnlySpan<byte> displayPath)
    {
        var z = PathText.NulTerminated(name);
        fixed (byte* path = z)
        {
            var flags = LibC.AT_SYMLINK_NOFOLLOW | (name.IsEmpty ? LibC.AT_EMPTY_PATH : 0);
            PosixException.ThrowIfFailed(LibC.fchownat(dirFd, path, uid, gid, flags), "change owner of", displayPath);
        }
    }

    /// <summary>Sets permission bits of an open file; chown must come first, as it clears setuid.</summary>
    public static void SetMode(int fd, uint mode, ReadOnlySpan<byte> displayPath) =>
        PosixException.ThrowIfFailed(LibC.fchmod(fd, mode & 0xFFF), "change mode of", displayPath);

    public static void SetMode(int dirFd, ReadOnlySpan<byte> name, uint mode, ReadOnlySpan<byte> displayPath)
    {
        var z = PathText.NulTerminated(name);
        fixed (byte* path = z)
        {
            PosixException.ThrowIfFailed(LibC.fchmodat(dirFd, path, mode & 0xFFF, 0), "change mode of", displayPath);
        }
    }

    /// <summary>Sets access and modification times of a named file (empty name: the descriptor itself).</summary>
    public static void SetTimes(
        int dirFd,
        ReadOnlySpan<byte> name,
        in FileStatus status,
        ReadOnlySpan<byte> displayPath)
    {
        var times = stackalloc LibC.Timespec[2];
        times[0] = new LibC.Timespec { tv_sec = status.AccessedSeconds, tv_nsec = status.AccessedNanoseconds };
        times[1] = new LibC.Timespec { tv_sec = status.ModifiedSeconds, tv_nsec = status.ModifiedNanoseconds };
        if (name.IsEmpty)
        {
            PosixException.ThrowIfFailed(LibC.futimens(dirFd, times), "set times of", displayPath);
            return;
        }
        var z = PathText.NulTerminated(name);
        fixed (byte* path = z)
        {
            var result = LibC.utimensat(dirFd, path, times, LibC.AT_SYMLINK_NOFOLLOW);
            PosixException.ThrowIfFailed(result, "set times of", displayPath);
        }
    }

    public static void Truncate(int fd, long length, ReadOnlySpan<byte> displayPath) =>
        PosixException.ThrowIfFailed(LibC.ftruncate(fd, length), "truncate", displayPath);

    /// <summary>Finds the next data region at or after <paramref name="offset"/>; false past the last one.</summary>
    public static bool TrySeekData(int fd, long offset, out long dataStart, ReadOnlySpan<byte> displayPath)
    {
        dataStart = LibC.lseek(fd, offset, LibC.SEEK_DATA);
        if (dataStart >= 0)
        {
            return true;
        }
        if (Marshal.GetLastPInvokeError() == Errno.ENXIO)
        {
            return false;
        }
        throw PosixException.FromLastError("seek data in", displayPath);
    }

    public static long SeekHole(int fd, long offset, ReadOnlySpan<byte> displayPath)
    {
        var holeStart = LibC.lseek(fd, offset, LibC.SEEK_HOLE);
        PosixException.ThrowIfFailed(holeStart, "seek hole in", displayPath);
        return holeStart;
    }

    /// <summary>
    /// True when the open directory is <paramref name="ancestor"/> or lies below it, found by
    /// climbing ".." to the root: symlinks and bind mounts in the path cannot hide the relation.
    /// </summary>
    public static bool IsInside(int directoryFd, FileIdentity ancestor, ReadOnlySpan<byte> displayPath)
    {
        var current = FileDescriptor.OpenDirectory(directoryFd, "."u8, displayPath);
        try
        {
            var identity = FileStatus.FStat(current.Value, displayPath).Identity;
            while (true)
            {
                if (identity == ancestor)
                {
                    return true;
                }
                var parent = FileDescriptor.OpenDirectory(current.Value, ".."u8, displayPath);
                current.Dispose();
                current = parent;
                var parentIdentity = FileStatus.FStat(current.Value, displayPath).Identity;
                if (parentIdentity == identity)
                {
                    return false;
                }
                identity = parentIdentity;
            }
        }
        finally
        {
            current.Dispose();
        }
    }

    // The glibc encoding of dev_t (gnu_dev_makedev).
    private static ulong MakeDevice(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8)
        | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);
}
