using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Overlay;

/// <summary>
/// What an entry's overlay xattrs say, and the xattrs the archive keeps. Bookkeeping (origin,
/// impure, uuid, nlink, upper, index, protattr) names inodes of this one mount and means nothing
/// elsewhere; replaying it can make the kernel refuse the mount, so it is dropped. A redirect or
/// metacopy xattr points into the lower layers; the archive stores the content instead, so it is
/// dropped too. Everything else, escaped overlay xattrs included, is the container's data.
/// </summary>
public sealed record OverlayAttributes(
    List<XattrEntry> Archived,
    byte[]? Redirect,
    bool IsMetacopy,
    bool IsOpaque)
{
    private static readonly string[] s_bookkeeping =
        ["origin", "impure", "uuid", "nlink", "upper", "index", "protattr"];

    /// <summary>Sorts an entry's xattrs into the archived ones and the overlay facts they record.</summary>
    public static OverlayAttributes From(List<XattrEntry> xattrs, OverlayFlavor flavor)
    {
        var archived = new List<XattrEntry>(xattrs.Count);
        byte[]? redirect = null;
        var isMetacopy = false;
        var isOpaque = false;
        foreach (var xattr in xattrs)
        {
            if (!TryGetMetadataSuffix(xattr.Name, flavor, out var suffix))
            {
                archived.Add(xattr);
                continue;
            }
            switch (suffix)
            {
                case "opaque":
                    archived.Add(xattr);
                    isOpaque = xattr.Value.AsSpan().SequenceEqual("y"u8);
                    break;
                case "redirect" when flavor != OverlayFlavor.FuseOverlayfs:
                    redirect = xattr.Value;
                    break;
                case "metacopy" when flavor != OverlayFlavor.FuseOverlayfs:
                    isMetacopy = true;
                    break;
                default:
                    if (!s_bookkeeping.Contains(suffix, StringComparer.Ordinal))
                    {
                        archived.Add(xattr);
                    }
                    break;
            }
        }
        return new OverlayAttributes(archived, redirect, isMetacopy, isOpaque);
    }

    /// <summary>The opaque xattr name this flavor writes.</summary>
    public static string OpaqueName(OverlayFlavor flavor) =>
        flavor == OverlayFlavor.KernelUserXattr ? Whiteouts.UserOpaque : Whiteouts.TrustedOpaque;

    // The part after this flavor's metadata prefix. An escaped xattr ("trusted.overlay.overlay.*",
    // how the kernel stores an overlay xattr a container set through the mount) is data, not metadata.
    private static bool TryGetMetadataSuffix(byte[] name, OverlayFlavor flavor, out string suffix)
    {
        suffix = "";
        ReadOnlySpan<byte> rest;
        if (flavor == OverlayFlavor.KernelUserXattr)
        {
            if (!name.AsSpan().StartsWith("user.overlay."u8))
            {
                return false;
            }
            rest = name.AsSpan("user.overlay.".Length);
        }
        else if (name.AsSpan().StartsWith("trusted.overlay."u8))
        {
            rest = name.AsSpan("trusted.overlay.".Length);
        }
        else if (flavor == OverlayFlavor.FuseOverlayfs && name.AsSpan().StartsWith("user.fuseoverlayfs."u8))
        {
            rest = name.AsSpan("user.fuseoverlayfs.".Length);
        }
        else
        {
            return false;
        }
        if (rest.StartsWith("overlay."u8) || !PathText.IsValidUtf8(rest))
        {
            return false;
        }
        suffix = System.Text.Encoding.UTF8.GetString(rest);
        return true;
    }
}
