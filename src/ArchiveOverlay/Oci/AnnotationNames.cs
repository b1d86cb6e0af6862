namespace ArchiveOverlay.Oci;

/// <summary>
/// The annotation keys the hook reads: "com.launchplatform.oci-hooks.archive-overlay.NAME.FIELD",
/// where NAME (without dots) groups the fields of one archive.
/// </summary>
public static class AnnotationNames
{
    public const string Prefix = "com.launchplatform.oci-hooks.archive-overlay.";

    public const string MountPoint = "mount-point";
    public const string ArchiveTo = "archive-to";
    public const string Success = "success";
    public const string Method = "method";
    public const string TarContentOwner = "tar-content-owner";

    public static readonly IReadOnlySet<string> Fields =
        new HashSet<string>(StringComparer.Ordinal) { MountPoint, ArchiveTo, Success, Method, TarContentOwner };

    public static string Key(string archive, string field) => $"{Prefix}{archive}.{field}";
}
