namespace ArchiveOverlay.Platform;

/// <summary>Path arithmetic on text alone, without asking the file system.</summary>
public static class LexicalPath
{
    /// <summary>
    /// Gives the shortest equivalent path: repeated slashes joined, "." removed, ".." applied to the
    /// element before it ("/.." stays "/"), no trailing slash. "" becomes ".".
    /// </summary>
    public static string Clean(string path)
    {
        var isAbsolute = path.StartsWith('/');
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                if (parts.Count > 0 && parts[^1] != "..")
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                else if (!isAbsolute)
                {
                    parts.Add(part);
                }
                continue;
            }
            parts.Add(part);
        }
        var joined = string.Join('/', parts);
        if (isAbsolute)
        {
            return "/" + joined;
        }
        return joined.Length == 0 ? "." : joined;
    }

    /// <summary>
    /// Whether clean absolute <paramref name="path"/> lies strictly below <paramref name="directory"/>.
    /// </summary>
    public static bool IsBelow(string path, string directory) =>
        directory == "/"
            ? path.Length > 1
            : path.StartsWith(directory + "/", StringComparison.Ordinal);

    /// <summary>Splits a clean absolute path into its parent directory and last element.</summary>
    public static (string Parent, string Name) Split(string cleanAbsolutePath)
    {
        var slash = cleanAbsolutePath.LastIndexOf('/');
        var parent = slash == 0 ? "/" : cleanAbsolutePath[..slash];
        return (parent, cleanAbsolutePath[(slash + 1)..]);
    }
}
