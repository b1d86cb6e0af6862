namespace ArchiveOverlay.Overlay;

/// <summary>
/// Which overlay implementation wrote an upperdir, and so which xattr namespace holds its
/// metadata. Only that namespace is read as overlay metadata: the same names elsewhere are the
/// container's own data (a container may set user.overlay.* on a trusted.* mount).
/// </summary>
public enum OverlayFlavor
{
    /// <summary>Kernel overlayfs: trusted.overlay.*.</summary>
    Kernel,

    /// <summary>Kernel overlayfs mounted with userxattr (rootless): user.overlay.*.</summary>
    KernelUserXattr,

    /// <summary>fuse-overlayfs: trusted.overlay.opaque, or user.fuseoverlayfs.* in a user namespace.</summary>
    FuseOverlayfs,
}
