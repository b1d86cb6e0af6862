using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Oci;

/// <summary>
/// Finds archives of one run whose outputs overlap: an archive-to or success path that is, or
/// lies inside, or holds another archive's. Either archive would damage the other, and which one
/// the container meant cannot be told, so both are refused before anything is written.
/// </summary>
public static class OutputClashes
{
    /// <summary>Each clashing archive's name, with a message naming the first archive it clashes with.</summary>
    public static Dictionary<string, string> Find(IReadOnlyList<ArchiveRequest> requests)
    {
        var clashes = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < requests.Count; i++)
        {
            for (var j = 0; j < requests.Count; j++)
            {
                if (i == j || clashes.ContainsKey(requests[i].Name))
                {
                    continue;
                }
                foreach (var (field, path) in Outputs(requests[i]))
                {
                    var other = Outputs(requests[j]).FirstOrDefault(o => Overlap(path, o.Path));
                    if (other.Path is not null)
                    {
                        clashes[requests[i].Name] = $"its {field} '{path}' overlaps the {other.Field} "
                            + $"'{other.Path}' of archive '{requests[j].Name}'";
                        break;
                    }
                }
            }
        }
        return clashes;
    }

    private static IEnumerable<(string Field, string Path)> Outputs(ArchiveRequest request)
    {
        yield return (AnnotationNames.ArchiveTo, request.ArchiveTo);
        if (request.SuccessPath is { } success)
        {
            yield return (AnnotationNames.Success, success);
        }
    }

    // Both paths are clean and absolute.
    private static bool Overlap(string a, string b) =>
        a == b || LexicalPath.IsBelow(a, b) || LexicalPath.IsBelow(b, a);
}
