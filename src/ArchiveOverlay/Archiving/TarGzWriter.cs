using System.IO.Compression;
using ArchiveOverlay.Archiving.Tar;
using ArchiveOverlay.Logging;
using ArchiveOverlay.Overlay;
using ArchiveOverlay.Platform;
using Microsoft.Win32.SafeHandles;

namespace ArchiveOverlay.Archiving;

/// <summary>
/// Writes the upperdir as a gzip-compressed PAX tar, compressed on every core, in overlay terms:
/// entries "./", "./dir/", "./dir/file"; a whiteout is a character device 0/0 entry and an opaque directory keeps its
/// opaque xattr as a SCHILY.xattr record.
/// </summary>
public sealed class TarGzWriter : IArchiveWriter
{
    private const int CopyBufferSize = 1024 * 1024;

    private readonly FileStream _file;
    private readonly ParallelGzipStream _gzip;
    private readonly PaxTarWriter _tar;
    private readonly ContentOwner? _owner;
    private readonly byte[] _copyBuffer = new byte[CopyBufferSize];

    public TarGzWriter(SafeFileHandle output, ContentOwner? owner)
    {
        _file = new FileStream(output, FileAccess.Write, bufferSize: 0);
        _gzip = new ParallelGzipStream(_file, CompressionLevel.Optimal);
        _tar = new PaxTarWriter(_gzip);
        _owner = owner;
    }

    public long Entries { get; private set; }

    public long Bytes => _file.Position;

    public void Visit(UpperDirEntry entry)
    {
        var header = BuildHeader(entry, sparseMap: null);
        if (header.Type == TarEntryType.RegularFile && header.Size > 0)
        {
            using var file = entry.OpenContent();
            List<(long Offset, long Length)> regions = [(0, header.Size)];
            if (FileContent.MayBeSparse(entry.Status))
            {
                var dataRegions = FileContent.DataRegions(file, header.Size, entry.RelativePath.Span);
                regions = FileContent.AlignToBlocks(dataRegions, header.Size);
            }
            var isSparse = regions.Count != 1 || regions[0] != (0, header.Size);
            if (isSparse)
            {
                // A file that ends in a hole ends its map with an empty region at its size,
                // or GNU tar restores it short.
                if (regions.Count == 0 || regions[^1].Offset + regions[^1].Length < header.Size)
                {
                    regions.Add((header.Size, 0));
                }
                header = BuildHeader(entry, regions);
            }
            _tar.WriteHeader(header);
            foreach (var (offset, length) in regions)
            {
                WriteRegion(file, offset, length, entry.RelativePath);
            }
        }
        else
        {
            _tar.WriteHeader(header);
        }
        Entries++;
        Log.EntryWritten(header.Name);
    }

    public void LeaveDirectory(UpperDirEntry directory)
    {
    }

    public void Complete()
    {
        _tar.Finish();
        _gzip.Finish();
        _file.Flush(flushToDisk: true);
    }

    public void Dispose()
    {
        _gzip.Dispose();
        _file.Dispose();
    }

    private TarEntryHeader BuildHeader(UpperDirEntry entry, List<(long Offset, long Length)>? sparseMap)
    {
        var status = entry.Status;
        var type = entry.HardLinkTarget is not null ? TarEntryType.HardLink : EntryType(entry.Kind);
        var isData = type == TarEntryType.RegularFile;
        return new TarEntryHeader
        {
            Name = EntryName(entry.RelativePath.Span, entry.Kind == EntryKind.Directory),
            Type = type,
            Mode = status.Permissions,
            Uid = _owner?.Uid ?? status.Uid,
            Gid = _owner?.Gid ?? status.Gid,
            Size = isData ? status.Size : 0,
            ModifiedSeconds = status.ModifiedSeconds,
            ModifiedNanoseconds = status.ModifiedNanoseconds,
            LinkName = entry.HardLinkTarget is { } target
                ? EntryName(target, isDirectory: false)
                : entry.SymlinkTarget ?? [],
            DeviceMajor = status.RdevMajor,
            DeviceMinor = status.RdevMinor,
            Xattrs = entry.Xattrs,
            SparseMap = sparseMap,
        };
    }

    private void WriteRegion(SafeFileHandle file, long offset, long length, ReadOnlyMemory<byte> relativePath)
    {
        var end = offset + length;
        while (offset < end)
        {
            TerminationRequest.ThrowIfRequested();
            var wanted = (int)Math.Min(_copyBuffer.Length, end - offset);
            var read = RandomAccess.Read(file, _copyBuffer.AsSpan(0, wanted), offset);
            if (read == 0)
            {
                throw new IOException($"file '{PathText.Display(relativePath.Span)}' shrank while archiving");
            }
            _tar.WriteData(_copyBuffer.AsSpan(0, read));
            offset += read;
        }
    }

    /// <summary>"./" for the root, "./a/b" for a file, "./a/b/" for a directory.</summary>
    public static byte[] EntryName(ReadOnlySpan<byte> relativePath, bool isDirectory)
    {
        var name = new byte[2 + relativePath.Length + (isDirectory && !relativePath.IsEmpty ? 1 : 0)];
        "./"u8.CopyTo(name);
        relativePath.CopyTo(name.AsSpan(2));
        if (isDirectory && !relativePath.IsEmpty)
        {
            name[^1] = (byte)'/';
        }
        return name;
    }

    private static TarEntryType EntryType(EntryKind kind) => kind switch
    {
        EntryKind.Directory => TarEntryType.Directory,
        EntryKind.Symlink => TarEntryType.Symlink,
        EntryKind.Whiteout or EntryKind.CharDevice => TarEntryType.CharDevice,
        EntryKind.BlockDevice => TarEntryType.BlockDevice,
        EntryKind.Fifo => TarEntryType.Fifo,
        EntryKind.RegularFile => TarEntryType.RegularFile,
        _ => throw new NotSupportedException($"entry kind '{kind}' has no tar form"),
    };
}
