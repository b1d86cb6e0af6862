using ArchiveOverlay.Logging;
using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Overlay;

/// <summary>
/// Walks an upperdir depth-first, parents before children and names in byte order, so the same tree
/// always gives the same archive. The walk is iterative and keeps a bounded number of descriptors
/// open: tree depth costs heap in proportion to the depth, never stack or descriptors.
/// </summary>
public sealed class UpperDirWalker
{
    private readonly Dictionary<FileIdentity, byte[]> _firstLinkPaths = [];
    private readonly PathBuffer _path = new();
    private readonly FileIdentity? _excluded;
    private readonly int _maxOpenDirectories;

    /// <param name="excluded">A file that must not lie inside the upperdir: the archive being written.</param>
    /// <param name="maxOpenDirectories">Directory descriptors kept open along the current path.</param>
    public UpperDirWalker(FileIdentity? excluded = null, int maxOpenDirectories = 64)
    {
        _excluded = excluded;
        _maxOpenDirectories = maxOpenDirectories;
    }

    /// <summary>Sockets left out of the archive, as GNU tar leaves them out.</summary>
    public int SkippedSockets { get; private set; }

    public void Walk(FileDescriptor root, IUpperDirVisitor visitor)
    {
        var rootStatus = FileStatus.FStat(root.Value, "."u8);
        var rootEntry = new UpperDirEntry
        {
            RelativePath = ReadOnlyMemory<byte>.Empty,
            Name = [],
            Kind = EntryKind.Directory,
            Status = rootStatus,
            Xattrs = OverlayXattrs.SelectArchived(Xattr.ReadAll(root.Value, "."u8), "."u8),
            ParentFd = root.Value,
        };
        visitor.Visit(rootEntry);

        using var chain = new DirectoryChain(root, rootStatus.Identity, _maxOpenDirectories);
        var frames = new Stack<Frame>();
        frames.Push(new Frame(rootEntry, ReadSortedNames(root.Value, "."u8)));
        while (frames.Count > 0)
        {
            var frame = frames.Peek();
            if (frame.NextIndex == frame.Names.Count)
            {
                visitor.LeaveDirectory(frame.Entry);
                frames.Pop();
                if (frames.Count > 0)
                {
                    chain.Pop(frame.Entry.RelativePath.Span);
                }
                continue;
            }
            var name = frame.Names[frame.NextIndex];
            frame.Names[frame.NextIndex++] = [];
            var path = _path.Append(frame.Entry.RelativePath.Length, name);
            var child = VisitChild(chain, name, path, visitor);
            if (child is not null)
            {
                frames.Push(child);
            }
        }
    }

    // Visits one child; returns a frame to descend into when the child is a directory.
    private Frame? VisitChild(DirectoryChain chain, byte[] name, ReadOnlyMemory<byte> path, IUpperDirVisitor visitor)
    {
        var parentFd = chain.Current;
        var status = FileStatus.LStat(parentFd, name, path.Span);
        CheckNotExcluded(status, path.Span);
        var kind = Classify(status);
        if (kind == EntryKind.Socket)
        {
            SkippedSockets++;
            Log.SocketSkipped(PathText.Display(path.Span));
            return null;
        }
        if (kind == EntryKind.Directory)
        {
            return EnterDirectory(chain, name, path, status, visitor);
        }

        var xattrs = Xattr.ReadAll(parentFd, name, path.Span);
        var entry = new UpperDirEntry
        {
            RelativePath = path,
            Name = name,
            Kind = kind,
            Status = status,
            Xattrs = OverlayXattrs.SelectArchived(xattrs, path.Span),
            ParentFd = parentFd,
            SymlinkTarget = kind == EntryKind.Symlink ? FileOperations.ReadLink(parentFd, name, path.Span) : null,
            HardLinkTarget = FindHardLinkTarget(kind, status, path.Span),
        };
        visitor.Visit(entry);
        return null;
    }

    private static Frame EnterDirectory(
        DirectoryChain chain,
        byte[] name,
        ReadOnlyMemory<byte> path,
        FileStatus status,
        IUpperDirVisitor visitor)
    {
        var parentFd = chain.Current;
        var directory = FileDescriptor.OpenDirectory(parentFd, name, path.Span);
        try
        {
            // The descriptor must be the directory that was examined, not one swapped in since.
            if (FileStatus.FStat(directory.Value, path.Span).Identity != status.Identity)
            {
                throw new IOException($"directory '{PathText.Display(path.Span)}' changed while archiving");
            }
            var entry = new UpperDirEntry
            {
                RelativePath = path,
                Name = name,
                Kind = EntryKind.Directory,
                Status = status,
                Xattrs = OverlayXattrs.SelectArchived(Xattr.ReadAll(directory.Value, path.Span), path.Span),
                ParentFd = parentFd,
            };
            var names = ReadSortedNames(directory.Value, path.Span);
            visitor.Visit(entry);
            chain.Push(directory, status.Identity);
            return new Frame(entry, names);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    private void CheckNotExcluded(in FileStatus status, ReadOnlySpan<byte> path)
    {
        if (_excluded is { } excluded && status.Identity == excluded)
        {
            throw new IOException($"the archive would be written inside the upperdir, at '{PathText.Display(path)}'");
        }
    }

    // The kernel hard-links all whiteouts to one inode; those stay separate whiteouts, never links.
    private byte[]? FindHardLinkTarget(EntryKind kind, in FileStatus status, ReadOnlySpan<byte> path)
    {
        if (status.LinkCount < 2 || kind == EntryKind.Whiteout)
        {
            return null;
        }
        if (_firstLinkPaths.TryGetValue(status.Identity, out var first))
        {
            return first;
        }
        _firstLinkPaths.Add(status.Identity, path.ToArray());
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

    // A directory being walked and the position in its sorted names.
    private sealed class Frame(UpperDirEntry entry, List<byte[]> names)
    {
        public UpperDirEntry Entry { get; } = entry;

        public List<byte[]> Names { get; } = names;

        public int NextIndex { get; set; }
    }
}
