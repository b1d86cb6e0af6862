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

    /// <summary>
    /// Widens regions to whole 512-byte blocks (the last one may end at the file size) and merges
    /// those that then touch. GNU tar reads each region's data in whole blocks while Python reads it
    /// packed; with every region but the last a block multiple, both read the same bytes.
    /// </summary>
    public static List<(long Offset, long Length)> AlignToBlocks(List<(long Offset, long Length)> regions, long size)
    {
        const long Block = 512;
        var aligned = new List<(long Offset, long Length)>(regions.Count);
        foreach (var (offset, length) in regions)
        {
            var start = offset / Block * Block;
            var end = Math.Min((offset + length + Block - 1) / Block * Block, size);
            if (aligned.Count > 0 && aligned[^1].Offset + aligned[^1].Length >= start)
            {
                var previous = aligned[^1];
                aligned[^1] = (previous.Offset, Math.Max(end, previous.Offset + previous.Length) - previous.Offset);
                continue;
            }
            aligned.Add((start, end - start));
        }
        return aligned;
    }

    /// <summary>True when the file may have holes: fewer 512-byte blocks allocated than its size needs.</summary>
    public static bool MayBeSparse(in FileStatus status) => status.Blocks * 512 < status.Size;
}
