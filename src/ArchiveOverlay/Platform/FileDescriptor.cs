using Microsoft.Win32.SafeHandles;

namespace ArchiveOverlay.Platform;

/// <summary>An open file descriptor, closed on dispose; opened relative to a directory descriptor.</summary>
public sealed unsafe class FileDescriptor : IDisposable
{
    private int _fd;

    private FileDescriptor(int fd)
    {
        _fd = fd;
    }

    public int Value => _fd >= 0 ? _fd : throw new ObjectDisposedException(nameof(FileDescriptor));

    /// <summary>Opens a directory without following a final symlink.</summary>
    public static FileDescriptor OpenDirectory(int dirFd, ReadOnlySpan<byte> name, ReadOnlySpan<byte> displayPath)
    {
        return Open(dirFd, name, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW, 0, displayPath);
    }

    /// <summary>Opens a directory by absolute path, following symlinks in the path.</summary>
    public static FileDescriptor OpenDirectory(string path)
    {
        var name = System.Text.Encoding.UTF8.GetBytes(path);
        return Open(LibC.AT_FDCWD, name, LibC.O_RDONLY | LibC.O_DIRECTORY, 0, name);
    }

    /// <summary>Opens a regular file for reading; O_NOATIME keeps the upperdir's access times.</summary>
    public static SafeFileHandle OpenForReading(int dirFd, ReadOnlySpan<byte> name, ReadOnlySpan<byte> displayPath)
    {
        var z = PathText.NulTerminated(name);
        fixed (byte* path = z)
        {
            var flags = LibC.O_RDONLY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC | LibC.O_NONBLOCK;
            var fd = LibC.openat(dirFd, path, flags | LibC.O_NOATIME, 0);
            if (fd < 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == Errno.EPERM)
            {
                fd = LibC.openat(dirFd, path, flags, 0);
            }
            PosixException.ThrowIfFailed(fd, "open", displayPath);
            return new SafeFileHandle(fd, ownsHandle: true);
        }
    }

    /// <summary>Creates a new file that must not exist yet.</summary>
    public static SafeFileHandle CreateExclusive(
        int dirFd,
        ReadOnlySpan<byte> name,
        uint mode,
        ReadOnlySpan<byte> displayPath)
    {
        var flags = LibC.O_WRONLY | LibC.O_CREAT | LibC.O_EXCL | LibC.O_NOFOLLOW;
        using var fd = Open(dirFd, name, flags, mode, displayPath);
        return new SafeFileHandle(fd.Detach(), ownsHandle: true);
    }

    public static FileDescriptor Open(
        int dirFd,
        ReadOnlySpan<byte> name,
        int flags,
        uint mode,
        ReadOnlySpan<byte> displayPath)
    {
        var z = PathText.NulTerminated(name);
        fixed (byte* path = z)
        {
            var fd = LibC.openat(dirFd, path, flags | LibC.O_CLOEXEC, mode);
            PosixException.ThrowIfFailed(fd, "open", displayPath);
            return new FileDescriptor(fd);
        }
    }

    /// <summary>Hands the descriptor to a new owner; this object then owns nothing.</summary>
    public int Detach()
    {
        var fd = Value;
        _fd = -1;
        return fd;
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            LibC.close(_fd);
            _fd = -1;
        }
    }
}
