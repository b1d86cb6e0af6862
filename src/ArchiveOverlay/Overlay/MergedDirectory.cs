using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Overlay;

/// <summary>
/// One directory of the merged lower layers: the same path in each layer that contributes to it,
/// top first. Owns the descriptors.
/// </summary>
public sealed class MergedDirectory : IDisposable
{
    private readonly List<FileDescriptor> _directories;

    internal MergedDirectory(List<FileDescriptor> directories)
    {
        _directories = directories;
    }

    public bool IsEmpty => _directories.Count == 0;

    /// <summary>Every name visible in the merged directory, in byte order.</summary>
    public List<byte[]> ReadNames(ReadOnlySpan<byte> displayPath)
    {
        var candidates = new SortedSet<byte[]>(ByteComparer.Instance);
        foreach (var directory in _directories)
        {
            candidates.UnionWith(FileOperations.ReadDirectory(directory.Value, displayPath));
        }
        var visible = new List<byte[]>(candidates.Count);
        foreach (var name in candidates)
        {
            if (TryResolve(name, out _))
            {
                visible.Add(name);
            }
        }
        return visible;
    }

    /// <summary>
    /// Resolves a name: the topmost layer's entry wins; a whiteout hides it; for a directory, the
    /// directories of the same name further down join it until one is opaque or a non-directory.
    /// </summary>
    public bool TryResolve(ReadOnlySpan<byte> name, out LowerEntry entry)
    {
        entry = default;
        for (var i = 0; i < _directories.Count; i++)
        {
            var fd = _directories[i].Value;
            if (!LowerLayers.TryLStat(fd, name, name, out var status))
            {
                continue;
            }
            if (Whiteouts.IsWhiteout(status))
            {
                return false;
            }
            entry = new LowerEntry(status, fd, i);
            return true;
        }
        return false;
    }

    /// <summary>Opens the merged child directory that <see cref="TryResolve"/> found at layer index.</summary>
    public MergedDirectory OpenChild(ReadOnlySpan<byte> name, int fromIndex, ReadOnlySpan<byte> displayPath)
    {
        var children = new List<FileDescriptor>();
        try
        {
            for (var i = fromIndex; i < _directories.Count; i++)
            {
                var fd = _directories[i].Value;
                if (!LowerLayers.TryLStat(fd, name, displayPath, out var status))
                {
                    continue;
                }
                if (status.Kind != FileKind.Directory)
                {
                    break;
                }
                var child = FileDescriptor.OpenDirectory(fd, name, displayPath);
                children.Add(child);
                if (IsOpaque(child.Value, displayPath))
                {
                    break;
                }
            }
            return new MergedDirectory(children);
        }
        catch
        {
            children.ForEach(child => child.Dispose());
            throw;
        }
    }

    internal static bool IsOpaque(int directoryFd, ReadOnlySpan<byte> displayPath)
    {
        foreach (var xattr in Xattr.ReadAll(directoryFd, displayPath))
        {
            if (Whiteouts.IsOpaqueXattr(xattr.Name) && xattr.Value.AsSpan().SequenceEqual("y"u8))
            {
                return true;
            }
        }
        return false;
    }

    public void Dispose() => _directories.ForEach(directory => directory.Dispose());

    private sealed class ByteComparer : IComparer<byte[]>
    {
        public static readonly ByteComparer Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}

/// <summary>A name found in the merged lower layers: its status, its directory's descriptor, its layer.</summary>
public readonly record struct LowerEntry(FileStatus Status, int ParentFd, int LayerIndex);
