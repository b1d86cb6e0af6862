using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Overlay;

/// <summary>
/// What an entry's overlay xattrs say, and the xattrs the archive keeps. Bookkeeping (origin,
/// impure, uuid, nlink, upper, index) names inodes of this one mount and means nothing elsewhere;
/// replaying it can make the kernel refuse the mount, so it is dropped. A redirect or metacopy
/// xattr points into the lower layers; the archive stores the content instead, so it is dropped too.
/// </summary>
public sealed record OverlayAttributes(
    List<XattrEntry> Archived,
    byte[]? Redirect,
    bool IsMetacopy,
    bool IsOpaque,
    bool UsesUserNamespace)
{
    private static ReadOnlySpan<byte> TrustedOverlayPrefix => "trusted.overlay."u8;
    private static ReadOnlySpan<byte> UserOverlayPrefix => "user.overlay."u8;
    private static ReadOnlySpan<byte> FuseOverlayPrefix => "user.fuseoverlayfs."u8;

    /// <summary>Sorts an entry's xattrs into the archived ones and the overlay facts they record.</summary>
    public static OverlayAttributes From(List<XattrEntry> xattrs)
    {
        var archived = new List<XattrEntry>(xattrs.Count);
        byte[]? redirect = null;
        var isMetacopy = false;
        var isOpaque = false;
        var usesUser = false;
        foreach (var xattr in xattrs)
        {
            var name = xattr.Name.AsSpan();
            if (Whiteouts.IsOpaqueXattr(name))
            {
                archived.Add(xattr);
                isOpaque = true;
                continue;
            }
            var suffix = OverlaySuffix(name, out var isUser);
            if (suffix.IsEmpty)
            {
                archived.Add(xattr);
            }
            else if (suffix.SequenceEqual("redirect"u8))
            {
                redirect = xattr.Value;
                usesUser = isUser;
            }
            else if (suffix.SequenceEqual("metacopy"u8))
            {
                isMetacopy = true;
                usesUser = isUser;
            }
        }
        return new OverlayAttributes(archived, redirect, isMetacopy, isOpaque, usesUser);
    }

    // The part after an overlay namespace prefix, or empty when the name is no overlay xattr.
    private static ReadOnlySpan<byte> OverlaySuffix(ReadOnlySpan<byte> name, out bool isUser)
    {
        isUser = !name.StartsWith(TrustedOverlayPrefix);
        if (!isUser)
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
