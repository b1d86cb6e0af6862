using ArchiveOverlay.Platform;
using Microsoft.Win32.SafeHandles;

namespace ArchiveOverlay.Overlay;

/// <summary>
/// One file of an upperdir as the walker found it. Names and paths are bytes. The entry is valid
/// during the visitor call, while its parent directory descriptor is open; a directory's path also
/// until its <see cref="IUpperDirVisitor.LeaveDirectory"/>.
/// </summary>
public sealed class UpperDirEntry
{
    /// <summary>Path below the upperdir root without a leading "./"; empty for the root itself.</summary>
    public required ReadOnlyMemory<byte> RelativePath { get; init; }

    /// <summary>The last path component; empty for the root.</summary>
    public required byte[] Name { get; init; }

    public required EntryKind Kind { get; init; }

    public required FileStatus Status { get; init; }

    /// <summary>Xattrs to archive, overlay bookkeeping already removed, sorted by name.</summary>
    public required IReadOnlyList<XattrEntry> Xattrs { get; init; }

    /// <summary>Directory holding this entry; for the root, the root's own descriptor.</summary>
    public required int ParentFd { get; init; }

    public byte[]? SymlinkTarget { get; init; }

    /// <summary>Relative path of an earlier entry that is the same inode, when this one is a hard link.</summary>
    public byte[]? HardLinkTarget { get; init; }

    /// <summary>
    /// Where a regular file's bytes are, when not in the entry itself: the lower file of a
    /// metadata-only copy-up (metacopy), as a directory descriptor and a name.
    /// </summary>
    public (int DirectoryFd, byte[] Name)? ContentSource { get; init; }

    public bool IsRoot => RelativePath.Length == 0;

    /// <summary>Opens a regular file's content for reading, without following symlinks.</summary>
    public SafeFileHandle OpenContent() => ContentSource is { } source
        ? FileDescriptor.OpenForReading(source.DirectoryFd, source.Name, RelativePath.Span)
        : FileDescriptor.OpenForReading(ParentFd, Name, RelativePath.Span);
}
