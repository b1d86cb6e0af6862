using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Tests.Support;

/// <summary>A fact that needs root: whiteout devices, trusted.* xattrs, overlay mounts, chown.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (LibC.geteuid() != 0)
        {
            Skip = "needs root: creates device nodes, trusted.* xattrs or overlay mounts";
        }
    }
}
