namespace ArchiveOverlay.Tests.Support;

/// <summary>
/// A real kernel overlay mount: tests arrange the lower layer, change the tree through the mount
/// point, then unmount and hand the upperdir to the code under test.
/// <code>
/// root/
///   lower/    arranged by the test before Mount()
///   upper/    what the kernel records of the changes
///   work/
///   merged/   the mount point the test changes
/// </code>
/// </summary>
public sealed class OverlayFixture : IDisposable
{
    private readonly TempDirectory _root = new();
    private bool _mounted;

    public OverlayFixture()
    {
        foreach (var name in new[] { "lower", "upper", "work", "merged" })
        {
            Directory.CreateDirectory(_root.Combine(name));
        }
    }

    public string Lower => _root.Combine("lower");

    public string Upper => _root.Combine("upper");

    public string Merged => _root.Combine("merged");

    public string Scratch(string name)
    {
        var path = _root.Combine(name);
        Directory.CreateDirectory(path);
        return path;
    }

    public string Work => _root.Combine("work");

    /// <summary>Mounts the overlay; <paramref name="extraOptions"/> such as "index=on" go last.</summary>
    public void Mount(string? extraOptions = null)
    {
        var options = $"lowerdir={Lower},upperdir={Upper},workdir={Work}"
            + (extraOptions is null ? "" : "," + extraOptions);
        ExternalTool.Run("mount", "-t", "overlay", "overlay", "-o", options, Merged);
        _mounted = true;
    }

    public void Unmount()
    {
        if (_mounted)
        {
            ExternalTool.Run("umount", Merged);
            _mounted = false;
        }
    }

    /// <summary>Runs a shell command inside the mount point.</summary>
    public void Shell(string script) => ExternalTool.Run("sh", "-euc", $"cd '{Merged}' && {script}");

    public void Dispose()
    {
        Unmount();
        _root.Dispose();
    }
}
