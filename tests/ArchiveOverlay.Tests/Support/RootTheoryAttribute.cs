using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Tests.Support;

/// <summary>A theory that needs root, like <see cref="RootFactAttribute"/>.</summary>
public sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute()
    {
        if (LibC.geteuid() != 0)
        {
            Skip = "needs root: creates device nodes, trusted.* xattrs or overlay mounts";
        }
    }
}
