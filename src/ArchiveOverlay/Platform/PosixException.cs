using System.IO;
using System.Runtime.InteropServices;

namespace ArchiveOverlay.Platform;

/// <summary>A failed system call: the operation, the path it acted on and the errno.</summary>
public sealed class PosixException : IOException
{
    public PosixException(string operation, string path, int errno)
        : base($"{operation} '{path}': {Marshal.GetPInvokeErrorMessage(errno)}")
    {
        Operation = operation;
        Path = path;
        Errno = errno;
    }

    public string Operation { get; }

    public string Path { get; }

    public int Errno { get; }

    /// <summary>Builds the exception from the errno the last system call left.</summary>
    internal static PosixException FromLastError(string operation, ReadOnlySpan<byte> path) =>
        new(operation, PathText.Display(path), Marshal.GetLastPInvokeError());

    internal static void ThrowIfFailed(long result, string operation, ReadOnlySpan<byte> path)
    {
        if (result < 0)
        {
            throw FromLastError(operation, path);
        }
    }
}
