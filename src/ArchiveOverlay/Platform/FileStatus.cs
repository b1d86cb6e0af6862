namespace ArchiveOverlay.Platform;

/// <summary>The type of a file, from the S_IFMT bits of its mode.</summary>
public enum FileKind
{
    Regular,
    Directory,
    Symlink,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
}

/// <summary>A file's device and inode number.</summary>
public readonly record struct FileIdentity(uint DeviceMajor, uint DeviceMinor, ulong Inode);

/// <summary>What statx(2) reports about one file; never follows a final symlink.</summary>
public readonly unsafe record struct FileStatus(
    uint Mode,
    uint Uid,
    uint Gid,
    long Size,
    uint LinkCount,
    ulong Inode,
    uint DeviceMajor,
    uint DeviceMinor,
    uint RdevMajor,
    uint RdevMinor,
    long Blocks,
    long ModifiedSeconds,
    uint ModifiedNanoseconds,
    long AccessedSeconds,
    uint AccessedNanoseconds)
{
    /// <summary>Permission bits including setuid, setgid and sticky.</summary>
    public uint Permissions => Mode & 0xFFF;

    /// <summary>Device and inode: what makes two names the same file.</summary>
    public FileIdentity Identity => new(DeviceMajor, DeviceMinor, Inode);

    public FileKind Kind => (Mode & LibC.S_IFMT) switch
    {
        LibC.S_IFDIR => FileKind.Directory,
        LibC.S_IFLNK => FileKind.Symlink,
        LibC.S_IFCHR => FileKind.CharDevice,
        LibC.S_IFBLK => FileKind.BlockDevice,
        LibC.S_IFIFO => FileKind.Fifo,
        LibC.S_IFSOCK => FileKind.Socket,
        _ => FileKind.Regular,
    };

    public static FileStatus LStat(int dirFd, ReadOnlySpan<byte> name, ReadOnlySpan<byte> displayPath)
    {
        var z = PathText.NulTerminated(name);
        fixed (byte* path = z)
        {
            return Query(dirFd, path, LibC.AT_SYMLINK_NOFOLLOW | LibC.AT_NO_AUTOMOUNT, displayPath);
        }
    }

    /// <summary>Status of an open descriptor.</summary>
    public static FileStatus FStat(int fd, ReadOnlySpan<byte> displayPath)
    {
        byte empty = 0;
        return Query(fd, &empty, LibC.AT_EMPTY_PATH | LibC.AT_SYMLINK_NOFOLLOW, displayPath);
    }

    /// <summary>Status by path; a missing file is an expected miss, not an error.</summary>
    public static bool TryLStat(string path, out FileStatus status)
    {
        var z = PathText.NulTerminated(path);
        LibC.StatxBuffer buffer;
        fixed (byte* p = z)
        {
            var flags = LibC.AT_SYMLINK_NOFOLLOW | LibC.AT_NO_AUTOMOUNT;
            if (LibC.statx(LibC.AT_FDCWD, p, flags, LibC.STATX_BASIC_STATS, &buffer) < 0)
            {
                var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno is Errno.ENOENT or Errno.ENOTDIR)
                {
                    status = default;
                    return false;
                }
                throw new PosixException("stat", path, errno);
            }
        }
        status = FromBuffer(buffer);
        return true;
    }

    /// <summary>
    /// The id of the mount an open descriptor lies on, or null where the kernel does not say
    /// (before Linux 5.8).
    /// </summary>
    public static ulong? MountId(int fd, ReadOnlySpan<byte> displayPath)
    {
        byte empty = 0;
        LibC.StatxBuffer buffer;
        var flags = LibC.AT_EMPTY_PATH | LibC.AT_SYMLINK_NOFOLLOW;
        PosixException.ThrowIfFailed(LibC.statx(fd, &empty, flags, LibC.STATX_MNT_ID, &buffer), "stat", displayPath);
        return (buffer.stx_mask & LibC.STATX_MNT_ID) != 0 ? buffer.stx_mnt_id : null;
    }

    private static FileStatus Query(int dirFd, byte* path, int flags, ReadOnlySpan<byte> displayPath)
    {
        LibC.StatxBuffer buffer;
        var result = LibC.statx(dirFd, path, flags, LibC.STATX_BASIC_STATS, &buffer);
        PosixException.ThrowIfFailed(result, "stat", displayPath);
        return FromBuffer(buffer);
    }

    private static FileStatus FromBuffer(in LibC.StatxBuffer buffer) => new(
        buffer.stx_mode,
        buffer.stx_uid,
        buffer.stx_gid,
        (long)buffer.stx_size,
        buffer.stx_nlink,
        buffer.stx_ino,
        buffer.stx_dev_major,
        buffer.stx_dev_minor,
        buffer.stx_rdev_major,
        buffer.stx_rdev_minor,
        (long)buffer.stx_blocks,
        buffer.stx_mtime_sec,
        buffer.stx_mtime_nsec,
        buffer.stx_atime_sec,
        buffer.stx_atime_nsec);
}
