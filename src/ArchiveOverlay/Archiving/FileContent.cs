using ArchiveOverlay.Platform;
using Microsoft.Win32.SafeHandles;

namespace ArchiveOverlay.Archiving;

/// <summary>Finds where a file holds data, so holes are neither read nor written.</summary>
public static class FileContent
{
    /// <summary>
    /// Lists the data regions of an open file of <paramref name="size"/> bytes. A file system without
    /// SEEK_DATA reports the whole file as one region.
    /// </summary>
    public static List<(long Offset, long Length)> DataRegions(
        SafeFileHandle file,
        long size,
        ReadOnlySpan<byte> displayPath)
    {
        try
        {
            return Scan((int)file.DangerousGetHandle(), size, displayPath);
        }
        catch (PosixException e) when (e.Errno is Errno.EINVAL or Errno.EOPNOTSUPP)
        {
            return size == 0 ? [] : [(0, size)];
        }
    }

    private static List<(long Offset, long Length)> Scan(int fd, long size, ReadOnlySpan<byte> displayPath)
    {
        var regions = new List<(long Offset, long Length)>();
        var offset = 0L;
        while (offset < size)
        {
            if (!FileOperations.TrySeekData(fd, offset, out var dataStart, displayPath) || dataStart >= size)
            {
                break;
            }
            var holeStart = Math.Min(FileOperations.SeekHole(fd, dataStart, displayPath), size);
            regions.Add((dataStart, holeStart - dataStart));
            offset = holeStart;
        }
        return regions;
    }

    /// <summary>True when the file may have holes: fewer 512-byte blocks allocated than its size needs.</summary>
    public static bool MayBeSparse(in FileStatus status) => status.Blocks * 512 < status.Size;
}
