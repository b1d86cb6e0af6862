using ArchiveOverlay.Archiving;
using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Oci;

/// <summary>One archive the container's annotations ask for, validated.</summary>
public sealed record ArchiveRequest(
    string Name,
    string MountPoint,
    string ArchiveTo,
    string? SuccessPath,
    ArchiveMethod Method,
    ContentOwner? TarContentOwner)
{
    /// <summary>Validates one archive's fields; throws <see cref="InvalidInputException"/> naming the key.</summary>
    public static ArchiveRequest FromAnnotations(string name, IReadOnlyDictionary<string, string> fields)
    {
        var mountPoint = LexicalPath.Clean(fields[AnnotationNames.MountPoint]);
        var archiveTo = HostPath(name, AnnotationNames.ArchiveTo, fields[AnnotationNames.ArchiveTo]);

        string? success = null;
        if (fields.TryGetValue(AnnotationNames.Success, out var successValue))
        {
            success = HostPath(name, AnnotationNames.Success, successValue);
            if (success == archiveTo)
            {
                throw Invalid(name, AnnotationNames.Success, successValue, "it names the archive itself");
            }
            if (LexicalPath.IsBelow(success, archiveTo))
            {
                throw Invalid(name, AnnotationNames.Success, successValue, "it lies inside the archive");
            }
        }

        var method = ArchiveMethod.Copy;
        if (fields.TryGetValue(AnnotationNames.Method, out var methodValue)
            && !ArchiveMethods.TryParse(methodValue, out method))
        {
            var expected = $"expected '{ArchiveMethods.Copy}' or '{ArchiveMethods.TarGz}'";
            throw Invalid(name, AnnotationNames.Method, methodValue, expected);
        }

        ContentOwner? owner = null;
        if (fields.TryGetValue(AnnotationNames.TarContentOwner, out var ownerValue))
        {
            if (!ContentOwner.TryParse(ownerValue, out var parsed))
            {
                throw Invalid(name, AnnotationNames.TarContentOwner, ownerValue, "expected UID or UID:GID");
            }
            owner = parsed;
        }
        return new ArchiveRequest(name, mountPoint, archiveTo, success, method, owner);
    }

    private static string HostPath(string name, string field, string value)
    {
        if (!value.StartsWith('/'))
        {
            throw Invalid(name, field, value, "expected an absolute path");
        }
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw Invalid(name, field, value, "the path contains a NUL byte");
        }
        var clean = LexicalPath.Clean(value);
        if (clean == "/")
        {
            throw Invalid(name, field, value, "the path names the root directory");
        }
        return clean;
    }

    private static InvalidInputException Invalid(string name, string field, string value, string reason) =>
        new($"annotation '{AnnotationNames.Key(name, field)}' has invalid value '{value}': {reason}");
}
