using ArchiveOverlay.Logging;

namespace ArchiveOverlay.Oci;

/// <summary>Groups the hook's annotations by archive name.</summary>
public static class ArchiveAnnotations
{
    /// <summary>
    /// Returns the fields of each archive that has both a mount point and a target, ordered by name.
    /// Keys that cannot belong to an archive, and archives missing a required key, are logged and skipped.
    /// </summary>
    public static SortedDictionary<string, Dictionary<string, string>> Group(
        IReadOnlyDictionary<string, string> annotations)
    {
        var archives = new SortedDictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (key, value) in annotations)
        {
            if (!key.StartsWith(AnnotationNames.Prefix, StringComparison.Ordinal))
            {
                continue;
            }
            if (value is null)
            {
                Log.AnnotationIgnored(key, "its value is null");
                continue;
            }
            var rest = key[AnnotationNames.Prefix.Length..];
            var dot = rest.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0)
            {
                Log.AnnotationIgnored(key, "expected '<name>.<field>' after the prefix");
                continue;
            }
            var name = rest[..dot];
            var field = rest[(dot + 1)..];
            if (!AnnotationNames.Fields.Contains(field))
            {
                var reason = $"unknown field '{field}' (archive names contain no dots)";
                Log.AnnotationIgnored(key, reason);
                continue;
            }
            if (!archives.TryGetValue(name, out var fields))
            {
                fields = new Dictionary<string, string>(StringComparer.Ordinal);
                archives.Add(name, fields);
            }
            fields[field] = value;
        }
        RemoveIncomplete(archives);
        return archives;
    }

    private static void RemoveIncomplete(SortedDictionary<string, Dictionary<string, string>> archives)
    {
        foreach (var (name, fields) in archives.ToList())
        {
            foreach (var required in new[] { AnnotationNames.MountPoint, AnnotationNames.ArchiveTo })
            {
                if (!fields.ContainsKey(required))
                {
                    Log.ArchiveIncomplete(name, AnnotationNames.Key(name, required));
                    archives.Remove(name);
                    break;
                }
            }
        }
    }
}
