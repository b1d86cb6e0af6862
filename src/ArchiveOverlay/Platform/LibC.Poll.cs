using System.Runtime.InteropServices;

namespace ArchiveOverlay.Platform;

/// <summary>Waiting for a descriptor to become readable.</summary>
internal static unsafe partial class LibC
{
    public const short POLLIN = 0x1;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }
}
