using Xunit;

namespace ArchiveOverlay.IntegrationTests;

/// <summary>A fact that is skipped, with the reason stated, unless it runs as root.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (NativeMethods.geteuid() != 0)
        {
            Skip = "needs root: overlay mounts, whiteouts, trusted.* xattrs, rootful podman";
        }
    }
}
