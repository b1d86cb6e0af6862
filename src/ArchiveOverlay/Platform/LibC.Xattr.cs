using System.Runtime.InteropServices;

namespace ArchiveOverlay.Platform;

/// <summary>Extended attribute system calls; the l* forms never follow a final symlink.</summary>
internal static unsafe partial class LibC
{
    public const int ENODATA = 61;
    public const int ERANGE = 34;
    public const int EOPNOTSUPP = 95;

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint llistxattr(byte* path, byte* list, nuint size);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint flistxattr(int fd, byte* list, nuint size);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint lgetxattr(byte* path, byte* name, byte* value, nuint size);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint fgetxattr(int fd, byte* name, byte* value, nuint size);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int lsetxattr(byte* path, byte* name, byte* value, nuint size, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fsetxattr(int fd, byte* name, byte* value, nuint size, int flags);
}
