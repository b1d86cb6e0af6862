using System.Runtime.InteropServices;

namespace ArchiveOverlay.Platform;

/// <summary>statx(2), whose structure has one layout on every architecture.</summary>
internal static unsafe partial class LibC
{
    public const uint STATX_BASIC_STATS = 0x7ff;
    public const uint STATX_MNT_ID = 0x1000;

    public const uint S_IFMT = 0xF000;
    public const uint S_IFSOCK = 0xC000;
    public const uint S_IFLNK = 0xA000;
    public const uint S_IFREG = 0x8000;
    public const uint S_IFBLK = 0x6000;
    public const uint S_IFDIR = 0x4000;
    public const uint S_IFCHR = 0x2000;
    public const uint S_IFIFO = 0x1000;

    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct StatxBuffer
    {
        [FieldOffset(0)] public uint stx_mask;
        [FieldOffset(16)] public uint stx_nlink;
        [FieldOffset(20)] public uint stx_uid;
        [FieldOffset(24)] public uint stx_gid;
        [FieldOffset(28)] public ushort stx_mode;
        [FieldOffset(32)] public ulong stx_ino;
        [FieldOffset(40)] public ulong stx_size;
        [FieldOffset(48)] public ulong stx_blocks;
        [FieldOffset(64)] public long stx_atime_sec;
        [FieldOffset(72)] public uint stx_atime_nsec;
        [FieldOffset(112)] public long stx_mtime_sec;
        [FieldOffset(120)] public uint stx_mtime_nsec;
        [FieldOffset(128)] public uint stx_rdev_major;
        [FieldOffset(132)] public uint stx_rdev_minor;
        [FieldOffset(136)] public uint stx_dev_major;
        [FieldOffset(140)] public uint stx_dev_minor;
        [FieldOffset(144)] public ulong stx_mnt_id;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int statx(int dirfd, byte* path, int flags, uint mask, StatxBuffer* buffer);
}
