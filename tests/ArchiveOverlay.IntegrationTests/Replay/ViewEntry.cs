namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>
/// One path of a merged overlay view: its kind and its facts ("mode=0644", "xattr user.a=0x61"),
/// each "key=value", which two views must share exactly.
/// </summary>
internal sealed class ViewEntry
{
    /// <summary>
    /// The kind of a name readdir lists but lookup cannot find: a whiteout the kernel passes
    /// through, in a directory that is not merged with a layer below.
    /// </summary>
    public const string UnreachableKind = "name readdir lists but lookup cannot find";

    public required byte[] Name { get; init; }

    public required string Kind { get; init; }

    public required string[] Facts { get; init; }

    public ViewEntry? Parent { get; init; }

    /// <summary>Children in byte order of their names; empty but for a directory.</summary>
    public List<ViewEntry> Children { get; } = [];

    /// <summary>The path below the view's root, empty for the root itself.</summary>
    public byte[] RelativePath
    {
        get
        {
            var names = new Stack<byte[]>();
            for (var entry = this; entry.Parent is not null; entry = entry.Parent)
            {
                names.Push(entry.Name);
            }
            var path = new List<byte>();
            foreach (var name in names)
            {
                if (path.Count > 0)
                {
                    path.Add((byte)'/');
                }
                path.AddRange(name);
            }
            return [.. path];
        }
    }

    public string DisplayPath => ByteText.DisplayPath(RelativePath);

    /// <summary>The value of one fact, or null when the entry has no such fact.</summary>
    public string? Fact(string key)
    {
        var prefix = key + "=";
        foreach (var fact in Facts)
        {
            if (fact.StartsWith(prefix, StringComparison.Ordinal))
            {
                return fact[prefix.Length..];
            }
        }
        return null;
    }
}
