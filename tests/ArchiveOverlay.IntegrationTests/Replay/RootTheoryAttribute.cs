using Xunit;

namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>A theory that is skipped, with the reason stated, unless it runs as root.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute()
    {
        if (NativeMethods.geteuid() != 0)
        {
            Skip = "needs root: overlay mounts, whiteouts, device nodes, trusted.* xattrs, chown";
        }
    }
}
