namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>A kernel overlay mount made for a test; disposing it unmounts it.</summary>
internal sealed class MountedOverlay : IDisposable
{
    private bool _mounted;

    private MountedOverlay(string mountPoint)
    {
        MountPoint = mountPoint;
        _mounted = true;
    }

    public string MountPoint { get; }

    /// <summary>
    /// Mounts lowerDirs (topmost first) under an upperdir; an upperdir needs a workdir even for
    /// a read-only mount.
    /// </summary>
    public static MountedOverlay Mount(
        string mountPoint,
        IReadOnlyList<string> lowerDirs,
        string upperDir,
        string workDir,
        bool readOnly,
        IEnumerable<string> extraOptions)
    {
        var options = new List<string>
        {
            $"lowerdir={string.Join(':', lowerDirs)}",
            $"upperdir={upperDir}",
            $"workdir={workDir}",
        };
        options.AddRange(extraOptions);
        Posix.Mount("overlay", mountPoint, "overlay", readOnly, string.Join(',', options));
        return new MountedOverlay(mountPoint);
    }

    public void Dispose()
    {
        if (_mounted)
        {
            _mounted = false;
            Posix.Unmount(MountPoint);
        }
    }
}
