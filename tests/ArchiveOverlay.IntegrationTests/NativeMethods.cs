using System.Runtime.InteropServices;

namespace ArchiveOverlay.IntegrationTests;

/// <summary>The few libc calls the integration tests need.</summary>
internal static partial class NativeMethods
{
    [LibraryImport("libc")]
    internal static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int kill(int pid, int signal);
}
