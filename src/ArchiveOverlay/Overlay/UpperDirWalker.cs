using System.Text;
using ArchiveOverlay.Logging;
using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Overlay;

/// <summary>
/// Walks an upperdir depth-first, parents before children and names in byte order, so the same tree
/// always gives the same archive. The walk is iterative and keeps a bounded number of upperdir
/// descriptors open: tree depth costs heap in proportion to the depth, never stack or descriptors.
/// </summary>
/// <remarks>
/// An archive must stand on its own, so two overlay features that point into the lower layers are
/// resolved here. A renamed directory (redirect xattr) is emitted with its whole merged content and
/// marked opaque; a metadata-only copy-up (metacopy xattr) gets its bytes from the lower file.
/// </remarks>
public sealed class UpperDirWalker : IDisposable
{
    private static readonly byte[] s_opaqueValue = "y"u8.ToArray();

    private readonly Dictionary<FileIdentity, byte[]> _firstLinkPaths = [];
    private readonly PathBuffer _path = new();
    private readonly FileIdentity? _excluded;
    private readonly IReadOnlyList<string> _lowerDirs;
    private readonly OverlayFlavor _flavor;
    private readonly int _maxOpenDirectories;
    private LowerLayers? _layers;

    /// <param name="excluded">A file that must not lie inside the upperdir: the archive being written.</param>
    /// <param name="lowerDirs">The mount's lower layers, top first, for redirects and metacopy files.</param>
    /// <param name="flavor">The overlay implementation, which says where its metadata lives.</param>
    /// <param name="maxOpenDirectories">Upperdir descriptors kept open along the current path.</param>
    public UpperDirWalker(
        FileIdentity? excluded = null,
        IReadOnlyList<string>? lowerDirs = null,
        OverlayFlavor flavor = OverlayFlavor.Kernel,
        int maxOpenDirectories = 64)
    {
        _excluded = excluded;
        _lowerDirs = lowerDirs ?? [];
        _flavor = flavor;
        _maxOpenDirectories = maxOpenDirectories;
    }

    /// <summary>Sockets left out of the archive, as GNU tar leaves them out.</summary>
    public int SkippedSockets { get; private set; }

    public void Walk(FileDescriptor root, IUpperDirVisitor visitor)
    {
        var rootStatus = FileStatus.FStat(root.Value, "."u8);
        var rootAttributes = OverlayAttributes.From(Xattr.ReadAll(root.Value, "."u8), _flavor);
        var rootEntry = new UpperDirEntry
        {
            RelativePath = ReadOnlyMemory<byte>.Empty,
            Name = [],
            Kind = EntryKind.Directory,
            Status = rootStatus,
            Xattrs = rootAttributes.Archived,
            ParentFd = root.Value,
        };
        visitor.Visit(rootEntry);

        using var chain = new DirectoryChain(root, rootStatus.Identity, _maxOpenDirectories);
        var frames = new Stack<Frame>();
        frames.Push(new Frame(rootEntry, UpperNames(root.Value, "."u8, null), [], null, IsUpper: true, null));
        try
        {
            while (frames.Count > 0)
            {
                TerminationRequest.ThrowIfRequested();
                var frame = frames.Peek();
                if (frame.NextIndex == frame.Names.Count)
                {
                    visitor.LeaveDirectory(frame.Entry);
                    frames.Pop();
                    frame.Lower?.Dispose();
                    if (frame.IsUpper && frames.Count > 0)
                    {
                        chain.Pop(frame.Entry.RelativePath.Span);
                    }
                    continue;
                }
                var (name, fromLower) = frame.Names[frame.NextIndex];
                frame.Names[frame.NextIndex++] = ([], false);
                var path = _path.Append(frame.Entry.RelativePath.Length, name);
                var child = fromLower
                    ? VisitLowerChild(frame, name, path, visitor)
                    : VisitUpperChild(chain, frame, name, path, visitor);
                if (child is not null)
                {
                    frames.Push(child);
                }
            }
        }
        finally
        {
            foreach (var frame in frames)
            {
                frame.Lower?.Dispose();
            }
        }
    }

    public void Dispose() => _layers?.Dispose();

    // Visits one upperdir child; returns a frame to descend into when the child is a directory.
    private Frame? VisitUpperChild(
        DirectoryChain chain,
        Frame parent,
        byte[] name,
        ReadOnlyMemory<byte> path,
        IUpperDirVisitor visitor)
    {
        var parentFd = chain.Current;
        var status = FileStatus.LStat(parentFd, name, path.Span);
        CheckNotExcluded(status, path.Span);
        var kind = Classify(status);
        var isSocket = kind == EntryKind.Socket;
        if (kind == EntryKind.Whiteout && parent.MaterializeOpaqueName is not null)
        {
            // Inside a directory stored opaque, a whiteout hides nothing, and the kernel would list
            // it: readdir of a directory without lower layers is not filtered.
            return null;
        }
        if (kind == EntryKind.Socket)
        {
            // A socket cannot be archived. Where it hid a lower entry of the same name, a whiteout
            // in its place keeps that hidden; elsewhere a whiteout would show up in readdir.
            SkipSocket(path.Span);
            if (parent.MaterializeOpaqueName is not null || !LowerHas(parent, name, path.Span))
            {
                return null;
            }
            kind = EntryKind.Whiteout;
            status = status with { Mode = LibC.S_IFCHR, RdevMajor = 0, RdevMinor = 0 };
        }
        if (kind == EntryKind.Directory)
        {
            return EnterUpperDirectory(chain, parent, name, path, status, visitor);
        }

        var attributes = isSocket
            ? OverlayAttributes.From([], _flavor)
            : OverlayAttributes.From(Xattr.ReadAll(parentFd, name, path.Span), _flavor);
        MergedDirectory? dataDirectory = null;
        (int, byte[])? contentSource = null;
        if (attributes.IsMetacopy && kind == EntryKind.RegularFile)
        {
            var lowerPath = ChildLowerPath(parent, name, attributes.Redirect, path.Span);
            if (lowerPath is not null
                && Layers(path.Span).TryFindFile(lowerPath, out dataDirectory, out var data, out var dataName))
            {
                contentSource = (data.ParentFd, dataName);
            }
            else
            {
                throw new IOException(
                    $"the data of metacopy file '{PathText.Display(path.Span)}' is in no lower layer");
            }
        }
        using (dataDirectory)
        {
            visitor.Visit(new UpperDirEntry
            {
                RelativePath = path,
                Name = name,
                Kind = kind,
                Status = status,
                Xattrs = attributes.Archived,
                ParentFd = parentFd,
                SymlinkTarget = kind == EntryKind.Symlink ? FileOperations.ReadLink(parentFd, name, path.Span) : null,
                HardLinkTarget = FindHardLinkTarget(kind, status, path.Span),
                ContentSource = contentSource,
            });
        }
        return null;
    }

    private Frame EnterUpperDirectory(
        DirectoryChain chain,
        Frame parent,
        byte[] name,
        ReadOnlyMemory<byte> path,
        FileStatus status,
        IUpperDirVisitor visitor)
    {
        var directory = FileDescriptor.OpenDirectory(chain.Current, name, path.Span);
        MergedDirectory? lower = null;
        try
        {
            // The descriptor must be the directory that was examined, not one swapped in since.
            if (FileStatus.FStat(directory.Value, path.Span).Identity != status.Identity)
            {
                throw new IOException($"directory '{PathText.Display(path.Span)}' changed while archiving");
            }
            var attributes = OverlayAttributes.From(Xattr.ReadAll(directory.Value, path.Span), _flavor);
            var lowerPath = attributes.IsOpaque ? null : ChildLowerPath(parent, name, attributes.Redirect, path.Span);
            var opaqueName = parent.MaterializeOpaqueName
                ?? (attributes.Redirect is null
                    ? null
                    : Encoding.ASCII.GetBytes(OverlayAttributes.OpaqueName(_flavor)));
            var xattrs = attributes.Archived;
            if (opaqueName is not null)
            {
                lower = lowerPath is null ? null : Layers(path.Span).OpenDirectory(lowerPath);
                AddOpaqueMarker(xattrs, opaqueName);
            }
            var names = UpperNames(directory.Value, path.Span, lower);
            var entry = DirectoryEntry(path, name, status, xattrs, chain.Current);
            visitor.Visit(entry);
            chain.Push(directory, status.Identity);
            return new Frame(entry, names, lowerPath, lower, IsUpper: true, opaqueName);
        }
        catch
        {
            lower?.Dispose();
            directory.Dispose();
            throw;
        }
    }

    // Visits a child that exists only in the lower layers of a renamed directory's content.
    private Frame? VisitLowerChild(Frame parent, byte[] name, ReadOnlyMemory<byte> path, IUpperDirVisitor visitor)
    {
        if (!parent.Lower!.TryResolve(name, out var found))
        {
            throw new IOException($"lower entry '{PathText.Display(path.Span)}' vanished while archiving");
        }
        var status = found.Status;
        CheckNotExcluded(status, path.Span);
        var kind = Classify(status);
        if (kind == EntryKind.Socket)
        {
            SkipSocket(path.Span);
            return null;
        }
        var xattrs = OverlayAttributes.From(Xattr.ReadAll(found.ParentFd, name, path.Span), _flavor).Archived;
        if (kind != EntryKind.Directory)
        {
            visitor.Visit(new UpperDirEntry
            {
                RelativePath = path,
                Name = name,
                Kind = kind,
                Status = status,
                Xattrs = xattrs,
                ParentFd = found.ParentFd,
                SymlinkTarget = kind == EntryKind.Symlink
                    ? FileOperations.ReadLink(found.ParentFd, name, path.Span)
                    : null,
                HardLinkTarget = FindHardLinkTarget(kind, status, path.Span),
            });
            return null;
        }

        var lower = parent.Lower.OpenChild(name, found.LayerIndex, path.Span);
        try
        {
            AddOpaqueMarker(xattrs, parent.MaterializeOpaqueName!);
            var entry = DirectoryEntry(path, name, status, xattrs, found.ParentFd);
            var names = lower.ReadNames(path.Span).Select(n => (n, true)).ToList();
            visitor.Visit(entry);
            var lowerPath = Join(parent.LowerPath ?? [], name);
            return new Frame(entry, names, lowerPath, lower, IsUpper: false, parent.MaterializeOpaqueName);
        }
        catch
        {
            lower.Dispose();
            throw;
        }
    }

    private static UpperDirEntry DirectoryEntry(
        ReadOnlyMemory<byte> path,
        byte[] name,
        FileStatus status,
        List<XattrEntry> xattrs,
        int parentFd) => new()
        {
            RelativePath = path,
            Name = name,
            Kind = EntryKind.Directory,
            Status = status,
            Xattrs = xattrs,
            ParentFd = parentFd,
        };

    // Where a child's content lives in the lower layers: its redirect (absolute from the layer root,
    // or a name in the parent's lower directory), else the parent's lower path plus its own name.
    private static byte[]? ChildLowerPath(Frame parent, byte[] name, byte[]? redirect, ReadOnlySpan<byte> path)
    {
        if (redirect is not null)
        {
            if (redirect.Length == 0)
            {
                throw new IOException($"empty overlay redirect on '{PathText.Display(path)}'");
            }
            return redirect[0] == (byte)'/' ? redirect[1..] : Join(parent.LowerPath ?? [], redirect);
        }
        return parent.LowerPath is null ? null : Join(parent.LowerPath, name);
    }

    private bool LowerHas(Frame parent, byte[] name, ReadOnlySpan<byte> path)
    {
        if (parent.LowerPath is null)
        {
            return false;
        }
        if (_lowerDirs.Count == 0)
        {
            // The lower layers are unknown (fuse-overlayfs names none). A directory with a lower
            // path has lower layers, whose merged view never lists a whiteout: one there hides
            // whatever a lower layer may hold under the name, and costs nothing otherwise.
            return true;
        }
        using var lower = Layers(path).OpenDirectory(parent.LowerPath);
        return lower.TryResolve(name, out _);
    }

    private LowerLayers Layers(ReadOnlySpan<byte> path)
    {
        if (_lowerDirs.Count == 0)
        {
            throw new NotSupportedException(
                $"'{PathText.Display(path)}' refers to the lower layers (overlay redirect or metacopy), "
                + "but the mount names no lowerdir");
        }
        return _layers ??= LowerLayers.Open(_lowerDirs);
    }

    private static void AddOpaqueMarker(List<XattrEntry> xattrs, byte[] opaqueName)
    {
        if (!xattrs.Exists(x => x.Name.AsSpan().SequenceEqual(opaqueName)))
        {
            xattrs.Add(new XattrEntry(opaqueName, s_opaqueValue));
            xattrs.Sort(static (a, b) => a.Name.AsSpan().SequenceCompareTo(b.Name));
        }
    }

    private void SkipSocket(ReadOnlySpan<byte> path)
    {
        SkippedSockets++;
        Log.SocketSkipped(PathText.Display(path));
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

    // The upperdir's names in byte order, merged with the lower-only names when the directory is
    // being materialized; any upper entry, whiteouts included, hides the lower one of its name.
    private static List<(byte[] Name, bool FromLower)> UpperNames(
        int fd,
        ReadOnlySpan<byte> path,
        MergedDirectory? lower)
    {
        var names = FileOperations.ReadDirectory(fd, path);
        names.Sort(static (a, b) => a.AsSpan().SequenceCompareTo(b));
        var result = names.Select(n => (n, false)).ToList();
        if (lower is null)
        {
            return result;
        }
        var upper = new HashSet<string>(names.Select(Convert.ToHexString), StringComparer.Ordinal);
        var lowerOnly = lower.ReadNames(path).Where(n => !upper.Contains(Convert.ToHexString(n)));
        result.AddRange(lowerOnly.Select(n => (n, true)));
        result.Sort(static (a, b) => a.Item1.AsSpan().SequenceCompareTo(b.Item1));
        return result;
    }

    private static byte[] Join(byte[] parent, byte[] name)
    {
        if (parent.Length == 0)
        {
            return name;
        }
        return [.. parent, (byte)'/', .. name];
    }

    // A directory being walked: its entry, its sorted children and the position in them; for a
    // directory whose content comes from the lower layers, the merged lower directory.
    private sealed record Frame(
        UpperDirEntry Entry,
        List<(byte[] Name, bool FromLower)> Names,
        byte[]? LowerPath,
        MergedDirectory? Lower,
        bool IsUpper,
        byte[]? MaterializeOpaqueName)
    {
        public int NextIndex { get; set; }
    }
}
