using System.Runtime.InteropServices;

namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>A failed libc call: the operation, the path it was made on, and errno.</summary>
public sealed class PosixCallException : IOException
{
    public PosixCallException(string operation, string path, int errno)
        : base($"{operation} '{path}': {Marshal.GetPInvokeErrorMessage(errno)}")
    {
        Errno = errno;
    }

    public PosixCallException()
    {
    }

    public PosixCallException(string message)
        : base(message)
    {
    }

    public PosixCallException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Errno { get; }
}
