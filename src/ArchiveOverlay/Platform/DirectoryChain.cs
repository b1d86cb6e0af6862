namespace ArchiveOverlay.Platform;

/// <summary>
/// The open directories from a walk's root down to the current directory, with at most a fixed
/// number of descriptors open however deep the walk goes. An ancestor whose descriptor was closed is
/// reopened through ".." of its child when the walk climbs back to it, and must be the same directory.
/// </summary>
public sealed class DirectoryChain : IDisposable
{
    private readonly List<Level> _levels = [];
    private readonly int _maxOpen;

    /// <summary>Starts at <paramref name="root"/>, which the chain uses but never closes.</summary>
    public DirectoryChain(FileDescriptor root, FileIdentity rootIdentity, int maxOpen = 64)
    {
        _maxOpen = Math.Max(maxOpen, 2);
        _levels.Add(new Level(root, rootIdentity, Owned: false));
    }

    public int Depth => _levels.Count - 1;

    /// <summary>Descriptor of the current (deepest) directory; always open.</summary>
    public int Current => _levels[^1].Directory!.Value;

    /// <summary>Descends into a directory the caller opened; the chain now owns its descriptor.</summary>
    public void Push(FileDescriptor directory, FileIdentity identity)
    {
        _levels.Add(new Level(directory, identity, Owned: true));
        var toClose = _levels.Count - 1 - _maxOpen;
        if (toClose > 0 && _levels[toClose] is { Owned: true, Directory: { } open } level)
        {
            open.Dispose();
            _levels[toClose] = level with { Directory = null };
        }
    }

    /// <summary>Climbs back to the parent, reopening it if its descriptor was closed.</summary>
    public void Pop(ReadOnlySpan<byte> displayPath)
    {
        if (_levels.Count == 1)
        {
            throw new InvalidOperationException("the root of a directory chain cannot be popped");
        }
        var child = _levels[^1];
        var parent = _levels[^2];
        try
        {
            if (parent.Directory is null)
            {
                var reopened = FileDescriptor.OpenDirectory(child.Directory!.Value, ".."u8, displayPath);
                if (FileStatus.FStat(reopened.Value, displayPath).Identity != parent.Identity)
                {
                    reopened.Dispose();
                    throw new IOException($"directory above '{PathText.Display(displayPath)}' changed during the walk");
                }
                _levels[^2] = parent with { Directory = reopened };
            }
        }
        finally
        {
            child.Directory?.Dispose();
            _levels.RemoveAt(_levels.Count - 1);
        }
    }

    public void Dispose()
    {
        foreach (var level in _levels)
        {
            if (level.Owned)
            {
                level.Directory?.Dispose();
            }
        }
        _levels.Clear();
    }

    private readonly record struct Level(FileDescriptor? Directory, FileIdentity Identity, bool Owned);
}
