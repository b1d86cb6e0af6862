using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Overlay;

/// <summary>
/// Sorts an upperdir's xattrs into what the archive keeps and what is overlay bookkeeping.
/// Bookkeeping (origin, impure, uuid, nlink, upper, index) names inodes of this one mount and means
/// nothing elsewhere; replaying it can make the kernel refuse the mount, so it is dropped.
/// </summary>
public static class OverlayXattrs
{
    private static ReadOnlySpan<byte> TrustedOverlayPrefix => "trusted.overlay."u8;
    private static ReadOnlySpan<byte> UserOverlayPrefix => "user.overlay."u8;
    private static ReadOnlySpan<byte> FuseOverlayPrefix => "user.fuseoverlayfs."u8;

    /// <summary>Returns the xattrs to archive, or throws for overlay features the archive cannot express.</summary>
    public static List<XattrEntry> SelectArchived(List<XattrEntry> xattrs, ReadOnlySpan<byte> displayPath)
    {
        var kept = new List<XattrEntry>(xattrs.Count);
        foreach (var xattr in xattrs)
        {
            var name = xattr.Name.AsSpan();
            if (Whiteouts.IsOpaqueXattr(name))
            {
                kept.Add(xattr);
                continue;
            }
            var suffix = OverlaySuffix(name);
            if (suffix.IsEmpty)
            {
                kept.Add(xattr);
                continue;
            }
            if (suffix.SequenceEqual("redirect"u8) || suffix.SequenceEqual("metacopy"u8))
            {
                // Limitation: renamed directories (redirect_dir=on) and metadata-only copy-ups
                // (metacopy=on) need the lower layers to be archived on their own.
                throw new NotSupportedException(
                    $"overlay xattr '{PathText.Display(name)}' on '{PathText.Display(displayPath)}' "
                    + "is not supported: mount without redirect_dir and metacopy");
            }
        }
        return kept;
    }

    // The part after an overlay namespace prefix, or empty when the name is no overlay xattr.
    private static ReadOnlySpan<byte> OverlaySuffix(ReadOnlySpan<byte> name)
    {
        if (name.StartsWith(TrustedOverlayPrefix))
        {
            return name[TrustedOverlayPrefix.Length..];
        }
        if (name.StartsWith(UserOverlayPrefix))
        {
            return name[UserOverlayPrefix.Length..];
        }
        return name.StartsWith(FuseOverlayPrefix) ? name[FuseOverlayPrefix.Length..] : [];
    }
}
