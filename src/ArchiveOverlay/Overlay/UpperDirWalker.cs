using ArchiveOverlay.Logging;
using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Overlay;

/// <summary>
/// Walks an upperdir depth-first, parents before children and names in byte order, so the same tree
/// always gives the same archive. The walk is iterative: tree depth costs heap, never stack.
/// </summary>
public sealed class UpperDirWalker
{
    private readonly Dictionary<FileIdentity, byte[]> _firstLinkPaths = [];
    private readonly FileIdentity? _excluded;

    /// <param name="excluded">A file that must not lie inside the upperdir: the archive being written.</param>
    public UpperDirWalker(FileIdentity? excluded = null)
    {
        _excluded = excluded;
    }

    /// <summary>Sockets left out of the archive, as GNU tar leaves them out.</summary>
    public int SkippedSockets { get; private set; }

    public void Walk(FileDescriptor root, IUpperDirVisitor visitor)
    {
        var rootStatus = FileStatus.FStat(root.Value, "."u8);
        var rootEntry = new UpperDirEntry
        {
            RelativePath = [],
            Name = [],
            Kind = EntryKind.Directory,
            Status = rootStatus,
            Xattrs = OverlayXattrs.SelectArchived(Xattr.ReadAll(root.Value, "."u8), "."u8),
            ParentFd = root.Value,
            DirectoryFd = root.Value,
        };
        visitor.Visit(rootEntry);

        var frames = new Stack<Frame>();
        frames.Push(new Frame(rootEntry, null, ReadSortedNames(root.Value, "."u8)));
        try
        {
            while (frames.Count > 0)
            {
                var frame = frames.Peek();
                if (frame.NextIndex == frame.Names.Count)
                {
                    visitor.LeaveDirectory(frame.Entry);
                    frames.Pop().Dispose();
                    continue;
                }
                var name = frame.Names[frame.NextIndex];
                frame.Names[frame.NextIndex++] = [];
                var child = VisitChild(frame.Entry, name, visitor);
                if (child is not null)
                {
                    frames.Push(child);
                }
            }
        }
        finally
        {
            while (frames.Count > 0)
            {
                frames.Pop().Dispose();
            }
        }
    }

    // Visits one child; returns a frame to descend into when the child is a directory.
    private Frame? VisitChild(UpperDirEntry parent, byte[] name, IUpperDirVisitor visitor)
    {
        var path = Join(parent.RelativePath, name);
        var status = FileStatus.LStat(parent.DirectoryFd, name, path);
        CheckNotExcluded(status, path);
        var kind = Classify(status);
        if (kind == EntryKind.Socket)
        {
            SkippedSockets++;
            Log.SocketSkipped(PathText.Display(path));
            return null;
        }
        if (kind == EntryKind.Directory)
        {
            return EnterDirectory(parent, name, path, status, visitor);
        }

        var xattrs = Xattr.ReadAll(parent.DirectoryFd, name, path);
        var entry = new UpperDirEntry
        {
            RelativePath = path,
            Name = name,
            Kind = kind,
            Status = status,
            Xattrs = OverlayXattrs.SelectArchived(xattrs, path),
            ParentFd = parent.DirectoryFd,
            SymlinkTarget = kind == EntryKind.Symlink
                ? FileOperations.ReadLink(parent.DirectoryFd, name, path)
                : null,
            HardLinkTarget = FindHardLinkTarget(kind, status, path),
        };
        visitor.Visit(entry);
        return null;
    }

    private static Frame EnterDirectory(
        UpperDirEntry parent,
        byte[] name,
        byte[] path,
        FileStatus status,
        IUpperDirVisitor visitor)
    {
        var directory = FileDescriptor.OpenDirectory(parent.DirectoryFd, name, path);
        try
        {
            // The descriptor must be the directory that was examined, not one swapped in since.
            if (FileStatus.FStat(directory.Value, path).Identity != status.Identity)
            {
                throw new IOException($"directory '{PathText.Display(path)}' changed while archiving");
            }
            var entry = new UpperDirEntry
            {
                RelativePath = path,
                Name = name,
                Kind = EntryKind.Directory,
                Status = status,
                Xattrs = OverlayXattrs.SelectArchived(Xattr.ReadAll(directory.Value, path), path),
                ParentFd = parent.DirectoryFd,
                DirectoryFd = directory.Value,
            };
            var names = ReadSortedNames(directory.Value, path);
            visitor.Visit(entry);
            return new Frame(entry, directory, names);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    private void CheckNotExcluded(in FileStatus status, byte[] path)
    {
        if (_excluded is { } excluded && status.Identity == excluded)
        {
            throw new IOException($"the archive would be written inside the upperdir, at '{PathText.Display(path)}'");
        }
    }

    // The kernel hard-links all whiteouts to one inode; those stay separate whiteouts, never links.
    private byte[]? FindHardLinkTarget(EntryKind kind, in FileStatus status, byte[] path)
    {
        if (status.LinkCount < 2 || kind == EntryKind.Whiteout)
        {
            return null;
        }
        if (_firstLinkPaths.TryGetValue(status.Identity, out var first))
        {
            return first;
        }
        _firstLinkPaths.Add(status.Identity, path);
        return null;
    }

    private static EntryKind Classify(in FileStatus status) => status.Kind switch
    {
        FileKind.Directory => EntryKind.Directory,
        FileKind.Symlink => EntryKind.Symlink,
        FileKind.CharDevice when Whiteouts.IsWhiteout(status) => EntryKind.Whiteout,
        FileKind.CharDevice => EntryKind.CharDevice,
        FileKind.BlockDevice => EntryKind.BlockDevice,
        FileKind.Fifo => EntryKind.Fifo,
        FileKind.Socket => EntryKind.Socket,
        _ => EntryKind.RegularFile,
    };

    private static List<byte[]> ReadSortedNames(int fd, ReadOnlySpan<byte> path)
    {
        var names = FileOperations.ReadDirectory(fd, path);
        names.Sort(static (a, b) => a.AsSpan().SequenceCompareTo(b));
        return names;
    }

    private static byte[] Join(byte[] parent, byte[] name)
    {
        if (parent.Length == 0)
        {
            return name;
        }
        var path = new byte[parent.Length + 1 + name.Length];
        parent.CopyTo(path, 0);
        path[parent.Length] = (byte)'/';
        name.CopyTo(path, parent.Length + 1);
        return path;
    }

    // An open directory and the position in its sorted names; owns the descriptor unless it is the root.
    private sealed class Frame(UpperDirEntry entry, FileDescriptor? directory, List<byte[]> names) : IDisposable
    {
        public UpperDirEntry Entry { get; } = entry;

        public List<byte[]> Names { get; } = names;

        public int NextIndex { get; set; }

        public void Dispose() => directory?.Dispose();
    }
}
