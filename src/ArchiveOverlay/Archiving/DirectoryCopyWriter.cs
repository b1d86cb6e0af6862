using ArchiveOverlay.Logging;
using ArchiveOverlay.Overlay;
using ArchiveOverlay.Platform;
using Microsoft.Win32.SafeHandles;

namespace ArchiveOverlay.Archiving;

/// <summary>
/// Mirrors the upperdir into a directory: same names, types, device numbers (whiteouts stay 0/0
/// devices), modes, owners, times, xattrs (opaque markers included), hard links and holes.
/// </summary>
public sealed class DirectoryCopyWriter : IArchiveWriter
{
    private readonly FileDescriptor _root;
    private readonly DirectoryChain _directories;
    private readonly byte[] _copyBuffer = new byte[1024 * 1024];
    private int _ownershipFailures;
    private string _firstOwnershipFailure = "";
    private string _ownershipReason = "";

    /// <param name="root">The temporary directory that becomes the archive.</param>
    public DirectoryCopyWriter(FileDescriptor root)
    {
        _root = root;
        _directories = new DirectoryChain(root, FileStatus.FStat(root.Value, "."u8).Identity);
    }

    public long Entries { get; private set; }

    public long Bytes { get; private set; }

    public void Visit(UpperDirEntry entry)
    {
        Entries++;
        var path = entry.RelativePath.Span;
        Log.EntryWritten(path);
        if (entry.IsRoot)
        {
            return;
        }

        var parent = _directories.Current;
        if (entry.HardLinkTarget is { } first)
        {
            // Limitation: a hard link whose first path is longer than PATH_MAX cannot be made.
            FileOperations.MakeHardLink(_root.Value, first, parent, entry.Name, path);
            return;
        }
        switch (entry.Kind)
        {
            case EntryKind.Directory:
                FileOperations.MakeDirectory(parent, entry.Name, 0x1C0, path);
                var directory = FileDescriptor.OpenDirectory(parent, entry.Name, path);
                _directories.Push(directory, FileStatus.FStat(directory.Value, path).Identity);
                return;
            case EntryKind.RegularFile:
                CopyFile(entry, parent);
                return;
            case EntryKind.Symlink:
                FileOperations.MakeSymlink(entry.SymlinkTarget!, parent, entry.Name, path);
                break;
            default:
                var status = entry.Status;
                var type = status.Mode & LibC.S_IFMT;
                FileOperations.MakeNode(parent, entry.Name, type | 0x180, status.RdevMajor, status.RdevMinor, path);
                break;
        }
        ApplyMetadata(parent, entry);
    }

    public void LeaveDirectory(UpperDirEntry directory)
    {
        var path = directory.RelativePath.Span;
        var fd = _directories.Current;
        SetOwner(fd, [], directory);
        FileOperations.SetMode(fd, directory.Status.Permissions, path);
        foreach (var xattr in directory.Xattrs)
        {
            Xattr.Set(fd, xattr, path);
        }
        FileOperations.SetTimes(fd, [], directory.Status, path);
        if (!directory.IsRoot)
        {
            _directories.Pop(path);
        }
    }

    public void Complete()
    {
        // One syncfs flushes every file and directory of the copy, instead of an fsync per entry.
        FileOperations.SyncFileSystem(_root.Value, "."u8);
    }

    /// <summary>Describes entries whose owner was not kept, or null when every owner was kept.</summary>
    public (int Count, string FirstPath, string Reason)? OwnershipReport =>
        _ownershipFailures == 0 ? null : (_ownershipFailures, _firstOwnershipFailure, _ownershipReason);

    public void Dispose()
    {
        _directories.Dispose();
        _root.Dispose();
    }

    private void CopyFile(UpperDirEntry entry, int parent)
    {
        var path = entry.RelativePath.Span;
        using var source = entry.OpenContent();
        using var target = FileDescriptor.CreateExclusive(parent, entry.Name, 0x180, path);
        var size = entry.Status.Size;
        foreach (var (offset, length) in FileContent.DataRegions(source, size, path))
        {
            Bytes += CopyRange(source, target, offset, length, path);
        }
        var fd = (int)target.DangerousGetHandle();
        FileOperations.Truncate(fd, size, path);
        SetOwner(fd, [], entry);
        FileOperations.SetMode(fd, entry.Status.Permissions, path);
        foreach (var xattr in entry.Xattrs)
        {
            Xattr.Set(fd, xattr, path);
        }
        FileOperations.SetTimes(fd, [], entry.Status, path);
    }

    // Order matters: chown clears setuid bits and file capabilities, chmod rewrites the ACL mask,
    // and both change ctime only; the times come last.
    private void ApplyMetadata(int parent, UpperDirEntry entry)
    {
        var path = entry.RelativePath.Span;
        SetOwner(parent, entry.Name, entry);
        if (entry.Kind != EntryKind.Symlink)
        {
            FileOperations.SetMode(parent, entry.Name, entry.Status.Permissions, path);
        }
        foreach (var xattr in entry.Xattrs)
        {
            Xattr.Set(parent, entry.Name, xattr, path);
        }
        FileOperations.SetTimes(parent, entry.Name, entry.Status, path);
    }

    private void SetOwner(int fd, ReadOnlySpan<byte> name, UpperDirEntry entry)
    {
        try
        {
            FileOperations.SetOwner(fd, name, entry.Status.Uid, entry.Status.Gid, entry.RelativePath.Span);
        }
        catch (PosixException e) when (e.Errno is Errno.EPERM or Errno.EINVAL)
        {
            // An id that is not mapped in this user namespace cannot be set; the archive keeps ours.
            if (_ownershipFailures++ == 0)
            {
                _firstOwnershipFailure = PathText.Display(entry.RelativePath.Span);
                _ownershipReason = e.Message;
            }
        }
    }

    private long CopyRange(
        SafeFileHandle source,
        SafeFileHandle target,
        long offset,
        long length,
        ReadOnlySpan<byte> path)
    {
        var buffer = _copyBuffer;
        var end = offset + length;
        var copied = 0L;
        while (offset < end)
        {
            TerminationRequest.ThrowIfRequested();
            var read = RandomAccess.Read(source, buffer.AsSpan(0, (int)Math.Min(buffer.Length, end - offset)), offset);
            if (read == 0)
            {
                throw new IOException($"file '{PathText.Display(path)}' shrank while archiving");
            }
            RandomAccess.Write(target, buffer.AsSpan(0, read), offset);
            offset += read;
            copied += read;
        }
        return copied;
    }
}
