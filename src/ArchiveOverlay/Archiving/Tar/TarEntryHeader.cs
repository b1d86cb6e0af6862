using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Archiving.Tar;

/// <summary>Everything one tar entry records about a file. Names and xattrs stay bytes.</summary>
public sealed class TarEntryHeader
{
    public required byte[] Name { get; init; }

    public required TarEntryType Type { get; init; }

    public uint Mode { get; init; }

    public uint Uid { get; init; }

    public uint Gid { get; init; }

    /// <summary>Bytes of file data that follow the header (the real size for a sparse file).</summary>
    public long Size { get; init; }

    public long ModifiedSeconds { get; init; }

    public uint ModifiedNanoseconds { get; init; }

    public byte[] LinkName { get; init; } = [];

    public uint DeviceMajor { get; init; }

    public uint DeviceMinor { get; init; }

    public IReadOnlyList<XattrEntry> Xattrs { get; init; } = [];

    /// <summary>Data regions (offset, length) of a file with holes; null for a dense file.</summary>
    public IReadOnlyList<(long Offset, long Length)>? SparseMap { get; init; }
}
