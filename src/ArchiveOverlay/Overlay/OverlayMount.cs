using ArchiveOverlay.Oci;
using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Overlay;

/// <summary>An overlay mount of config.json and the upperdir that holds the container's changes.</summary>
public sealed record OverlayMount(
    string Destination,
    string UpperDir,
    IReadOnlyList<string> LowerDirs,
    OverlayFlavor Flavor = OverlayFlavor.Kernel,
    string? WorkDir = null)
{
    private const string UpperDirOption = "upperdir=";
    private const string LowerDirOption = "lowerdir=";
    private const string WorkDirOption = "workdir=";

    /// <summary>
    /// Finds the mount at <paramref name="mountPoint"/> (compared as clean paths; a later mount at the same
    /// place hides an earlier one) and its upperdir, or throws <see cref="InvalidInputException"/>.
    /// </summary>
    public static OverlayMount Find(IReadOnlyList<MountEntry> mounts, string mountPoint)
    {
        var clean = LexicalPath.Clean(mountPoint);
        var mount = mounts.LastOrDefault(m => m?.Destination is not null && LexicalPath.Clean(m.Destination) == clean)
            ?? throw new InvalidInputException($"no mount at mount point '{clean}' in config.json");

        var options = SplitOptions(mount.Options ?? []);
        if (mount.Type == "overlay")
        {
            var upperDir = options.LastOrDefault(o => o.StartsWith(UpperDirOption, StringComparison.Ordinal))
                ?? throw new InvalidInputException(
                    $"overlay mount at '{clean}' has no upperdir option: it is read-only, nothing to archive");
            var upperDirPath = RequireAbsolute(clean, upperDir[UpperDirOption.Length..]);
            var flavor = options.Contains("userxattr") ? OverlayFlavor.KernelUserXattr : OverlayFlavor.Kernel;
            var workDir = options.LastOrDefault(o => o.StartsWith(WorkDirOption, StringComparison.Ordinal));
            return new OverlayMount(
                clean, upperDirPath, ParseLowerDirs(options), flavor, workDir?[WorkDirOption.Length..]);
        }
        if (TryFindFuseOverlayUpperDir(mount, out var fuseUpperDir))
        {
            return new OverlayMount(clean, fuseUpperDir, [], OverlayFlavor.FuseOverlayfs);
        }
        throw new InvalidInputException($"mount at '{clean}' is not an overlay mount (type '{mount.Type}')");
    }

    /// <summary>
    /// The directories of every overlay mount in config.json that no output may go into: its
    /// upperdir, its lower layers (an image's), and its mount point on the host (an overlay's
    /// absolute source, a fuse-overlayfs merge directory), which leads into the upperdir while
    /// mounted. A mount that names none is left out.
    /// </summary>
    public static IEnumerable<(string Path, string What)> DirectoriesToKeepOutOf(IReadOnlyList<MountEntry> mounts)
    {
        foreach (var mount in mounts)
        {
            if (mount?.Destination is null)
            {
                continue;
            }
            if (mount.Type == "overlay")
            {
                var upperDir = SplitOptions(mount.Options ?? [])
                    .LastOrDefault(o => o.StartsWith(UpperDirOption, StringComparison.Ordinal));
                var path = upperDir?[UpperDirOption.Length..];
                if (path is not null && path.Length > 1 && path.StartsWith('/'))
                {
                    yield return (path, $"the upperdir '{path}'");
                }
                if (mount.Source is { Length: > 1 } source && source.StartsWith('/'))
                {
                    yield return (source, $"the overlay mounted at '{source}'");
                }
                foreach (var lower in ParseLowerDirs(SplitOptions(mount.Options ?? [])).Where(l => l.StartsWith('/')))
                {
                    yield return (lower, $"the lower layer '{lower}'");
                }
            }
            else if (TryFindFuseOverlayUpperDir(mount, out var fuseUpperDir))
            {
                yield return (fuseUpperDir, $"the upperdir '{fuseUpperDir}'");
                yield return (mount.Source!, $"the overlay mounted at '{mount.Source}'");
            }
        }
    }

    /// <summary>Splits options that a runtime may give one per item or comma-joined in one item.</summary>
    public static List<string> SplitOptions(IEnumerable<string> options) =>
        options.Where(o => o is not null).SelectMany(o => o.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToList();

    // lowerdir= lists layers top first, separated by ':'.
    private static List<string> ParseLowerDirs(List<string> options)
    {
        var lower = options.LastOrDefault(o => o.StartsWith(LowerDirOption, StringComparison.Ordinal));
        return lower is null
            ? []
            : [.. lower[LowerDirOption.Length..].Split(':', StringSplitOptions.RemoveEmptyEntries)];
    }

    // With fuse-overlayfs as the mount program, the runtime sees a bind mount of ".../overlay/ID/merge";
    // containers/storage keeps the upperdir beside it as ".../overlay/ID/upper", with "work" next to it.
    private static bool TryFindFuseOverlayUpperDir(MountEntry mount, out string upperDir)
    {
        upperDir = "";
        if (mount.Type != "bind" || mount.Source is null || !mount.Source.StartsWith('/'))
        {
            return false;
        }
        var (layerDir, name) = LexicalPath.Split(LexicalPath.Clean(mount.Source));
        var (storageDir, _) = LexicalPath.Split(layerDir);
        if (name != "merge" || !storageDir.EndsWith("/overlay", StringComparison.Ordinal))
        {
            return false;
        }
        var upper = layerDir + "/upper";
        if (!Directory.Exists(upper) || !Directory.Exists(layerDir + "/work"))
        {
            return false;
        }
        upperDir = upper;
        return true;
    }

    private static string RequireAbsolute(string mountPoint, string upperDir)
    {
        if (!upperDir.StartsWith('/'))
        {
            throw new InvalidInputException($"overlay mount at '{mountPoint}' has a relative upperdir '{upperDir}'");
        }
        return upperDir;
    }
}
