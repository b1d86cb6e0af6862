using System.Text;
using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Overlay;

/// <summary>
/// The read-only layers under an upperdir, top first, looked up the way overlayfs does: the topmost
/// layer that has a name wins; a whiteout hides the name in every layer below, and an opaque
/// directory hides the directories of the same path below it (overlayfs documentation).
/// </summary>
public sealed class LowerLayers : IDisposable
{
    private readonly List<FileDescriptor> _layers;

    private LowerLayers(List<FileDescriptor> layers)
    {
        _layers = layers;
    }

    public int Count => _layers.Count;

    public static LowerLayers Open(IReadOnlyList<string> lowerDirs)
    {
        var layers = new List<FileDescriptor>(lowerDirs.Count);
        try
        {
            foreach (var lowerDir in lowerDirs)
            {
                layers.Add(FileDescriptor.OpenDirectory(lowerDir));
            }
            return new LowerLayers(layers);
        }
        catch
        {
            layers.ForEach(layer => layer.Dispose());
            throw;
        }
    }

    /// <summary>
    /// Finds the file a lower path names. On success <paramref name="parent"/> holds the directory it
    /// lies in, open until disposed; false when no layer has it or a whiteout hides it.
    /// </summary>
    public bool TryFindFile(
        ReadOnlySpan<byte> lowerPath,
        out MergedDirectory parent,
        out LowerEntry file,
        out byte[] name)
    {
        var (parentPath, fileName) = SplitLast(lowerPath);
        name = fileName;
        parent = OpenDirectory(parentPath);
        if (parent.TryResolve(fileName, out file) && file.Status.Kind == FileKind.Regular)
        {
            return true;
        }
        parent.Dispose();
        return false;
    }

    /// <summary>The directories of every layer that together form the merged lower directory at a path.</summary>
    public MergedDirectory OpenDirectory(ReadOnlySpan<byte> lowerPath)
    {
        var directories = new List<FileDescriptor>();
        try
        {
            foreach (var layer in _layers)
            {
                var outcome = OpenInLayer(layer.Value, lowerPath, out var directory);
                if (directory is not null)
                {
                    directories.Add(directory);
                }
                if (outcome == LayerOutcome.HidesBelow)
                {
                    break;
                }
            }
            return new MergedDirectory(directories);
        }
        catch
        {
            directories.ForEach(directory => directory.Dispose());
            throw;
        }
    }

    public void Dispose() => _layers.ForEach(layer => layer.Dispose());

    // Walks a path in one layer. The directory is null when this layer does not have it as a directory;
    // HidesBelow says that layers further down must not be consulted: a whiteout or a file on the
    // way, or an opaque directory on the way or at the end.
    private static LayerOutcome OpenInLayer(int layerFd, ReadOnlySpan<byte> lowerPath, out FileDescriptor? directory)
    {
        directory = FileDescriptor.OpenDirectory(layerFd, "."u8, lowerPath);
        var opaqueOnTheWay = false;
        foreach (var component in Components(lowerPath))
        {
            if (!TryLStat(directory.Value, component, lowerPath, out var status))
            {
                directory.Dispose();
                directory = null;
                return opaqueOnTheWay ? LayerOutcome.HidesBelow : LayerOutcome.Continue;
            }
            if (status.Kind != FileKind.Directory)
            {
                directory.Dispose();
                directory = null;
                return LayerOutcome.HidesBelow;
            }
            var child = FileDescriptor.OpenDirectory(directory.Value, component, lowerPath);
            directory.Dispose();
            directory = child;
            opaqueOnTheWay |= MergedDirectory.IsOpaque(directory.Value, lowerPath);
        }
        return opaqueOnTheWay ? LayerOutcome.HidesBelow : LayerOutcome.Continue;
    }

    internal static bool TryLStat(
        int dirFd,
        ReadOnlySpan<byte> name,
        ReadOnlySpan<byte> displayPath,
        out FileStatus status)
    {
        try
        {
            status = FileStatus.LStat(dirFd, name, displayPath);
            return true;
        }
        catch (PosixException e) when (e.Errno is Errno.ENOENT or Errno.ENOTDIR)
        {
            status = default;
            return false;
        }
    }

    private static List<byte[]> Components(ReadOnlySpan<byte> path)
    {
        var components = new List<byte[]>();
        foreach (var range in path.Split((byte)'/'))
        {
            var component = path[range];
            if (!component.IsEmpty && !component.SequenceEqual("."u8))
            {
                if (component.SequenceEqual(".."u8))
                {
                    throw new IOException($"overlay redirect '{Encoding.UTF8.GetString(path)}' leaves the layer");
                }
                components.Add(component.ToArray());
            }
        }
        return components;
    }

    private static (byte[] Parent, byte[] Name) SplitLast(ReadOnlySpan<byte> path)
    {
        var trimmed = path.TrimEnd((byte)'/');
        var slash = trimmed.LastIndexOf((byte)'/');
        return slash < 0 ? ([], trimmed.ToArray()) : (trimmed[..slash].ToArray(), trimmed[(slash + 1)..].ToArray());
    }

    private enum LayerOutcome
    {
        Continue,
        HidesBelow,
    }
}
