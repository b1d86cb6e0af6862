using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Overlay;

/// <summary>
/// How an upperdir records deletions (overlayfs documentation, "whiteouts and opaque directories"):
/// a deleted name is a character device 0/0, and a directory that hides the lower directory of the
/// same name carries the opaque xattr. Kernel overlayfs on a userxattr mount and fuse-overlayfs in a
/// user namespace use the user.* names instead of trusted.*.
/// </summary>
public static class Whiteouts
{
    public const string TrustedOpaque = "trusted.overlay.opaque";
    public const string UserOpaque = "user.overlay.opaque";
    public const string FuseOverlayOpaque = "user.fuseoverlayfs.opaque";

    public static bool IsWhiteout(in FileStatus status) =>
        status.Kind == FileKind.CharDevice && status.RdevMajor == 0 && status.RdevMinor == 0;

    public static bool IsOpaqueXattr(ReadOnlySpan<byte> name) =>
        name.SequenceEqual("trusted.overlay.opaque"u8)
        || name.SequenceEqual("user.overlay.opaque"u8)
        || name.SequenceEqual("user.fuseoverlayfs.opaque"u8);
}
