namespace ArchiveOverlay.Archiving;

/// <summary>The output formats, by their annotation value.</summary>
public enum ArchiveMethod
{
    /// <summary>"copy": a directory tree that mirrors the upperdir, device nodes and xattrs included.</summary>
    Copy,

    /// <summary>"tar.gz": a gzip-compressed POSIX (PAX) tar file.</summary>
    TarGz,
}

/// <summary>Annotation values of <see cref="ArchiveMethod"/>.</summary>
public static class ArchiveMethods
{
    public const string Copy = "copy";
    public const string TarGz = "tar.gz";

    public static bool TryParse(string value, out ArchiveMethod method)
    {
        switch (value)
        {
            case Copy:
                method = ArchiveMethod.Copy;
                return true;
            case TarGz:
                method = ArchiveMethod.TarGz;
                return true;
            default:
                method = default;
                return false;
        }
    }

    public static string Name(ArchiveMethod method) => method == ArchiveMethod.Copy ? Copy : TarGz;
}
