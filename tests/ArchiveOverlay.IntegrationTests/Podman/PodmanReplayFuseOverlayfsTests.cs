using System.Runtime.Versioning;
using Xunit;
using Xunit.Abstractions;

namespace ArchiveOverlay.IntegrationTests.Podman;

/// <summary>
/// Replay of a container whose image mount is made by fuse-overlayfs. Its upperdir keeps
/// fuse-overlayfs's conventions, which the archives record as they are; the replay is mounted
/// both by the kernel and by fuse-overlayfs itself.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class PodmanReplayFuseOverlayfsTests
    : PodmanReplayTests, IClassFixture<PodmanReplayFuseOverlayfsFixture>
{
    private const string OpaqueMarkerFile = ".wh..wh..opq";

    // The largest lag seen between the container's mtime of a file it wrote and the upperdir's
    // was a few milliseconds; a second leaves room on a slow machine and still catches a wrong
    // or dropped time.
    private const long MaximumWriteLagNanoseconds = 1_000_000_000;

    public PodmanReplayFuseOverlayfsTests(
        PodmanReplayFuseOverlayfsFixture fixture,
        ITestOutputHelper output)
        : base(fixture, output)
    {
    }

    [RootFact]
    public void CopyArchiveOverTheImageInFuseOverlayfsShowsWhatTheContainerSaw() =>
        AssertReplayShowsContainerView(ArchiveMethod.Copy, ReplayMount.FuseOverlayfs);

    [RootFact]
    public void TarGzArchiveOverTheImageInFuseOverlayfsShowsWhatTheContainerSaw() =>
        AssertReplayShowsContainerView(ArchiveMethod.TarGz, ReplayMount.FuseOverlayfs);

    protected override PodmanReplayEntry ReconcileContainerEntry(
        PodmanReplayEntry container,
        PodmanReplayEntry replay,
        IReadOnlyDictionary<string, PodmanReplayEntry> upper,
        List<string> notes)
    {
        var inUpper = upper.TryGetValue(container.Path, out var upperEntry);

        // A file the container wrote after creating it ('echo x > f') can show the container an
        // mtime older than its upperdir file's: the container's kernel keeps the time FUSE gave
        // it at create, and fuse-overlayfs writes the data to the upper file a little later
        // (FUSE writeback caching; 'sync' and waiting do not refresh it). The hook archives the
        // upper file's mtime, so any replay shows that one.
        if (inUpper
            && upperEntry!.IsRegularFile
            && container.IsRegularFile
            && container.ModificationTime != replay.ModificationTime
            && replay.ModificationTime == upperEntry.ModificationTime)
        {
            var lag = replay.ModificationTimeNanoseconds()
                - container.ModificationTimeNanoseconds();
            if (lag is > 0 and <= MaximumWriteLagNanoseconds)
            {
                notes.Add($"{container.Path}: mtime {container.ModificationTime} in the "
                    + $"container, {replay.ModificationTime} in the upperdir");
                container = container with { ModificationTime = replay.ModificationTime };
            }
        }

        // fuse-overlayfs keeps one node per lower inode for the whole mount: after 'ln hard1
        // hard3' copies hard1 up, the untouched lower hard2 still shows the container that
        // node's inode number, while in the upperdir, and in any new mount of it, fuse-overlayfs
        // included, hard2 is the lower file alone.
        if (!inUpper && container.HardLinkOf.Length > 0 && replay.HardLinkOf.Length == 0)
        {
            notes.Add($"{container.Path}: same inode as {container.HardLinkOf} in the container"
                + " only, and not in the upperdir");
            container = container with { HardLinkOf = "" };
        }
        return container;
    }

    // fuse-overlayfs marks an opaque directory with trusted.overlay.opaque=y and two entries of
    // its own, a 0/0 character device '.wh..opq' and an empty file '.wh..wh..opq', and hides
    // both. The kernel honours the xattr and treats the device as a whiteout, but the empty file
    // is an ordinary name to it (the OCI layer's opaque marker, not an overlayfs one).
    protected override bool IsMountProgramArtifact(
        PodmanReplayEntry replay,
        ReplayMount mount,
        IReadOnlyDictionary<string, PodmanReplayEntry> upper,
        List<string> notes)
    {
        var isMarker = mount == ReplayMount.KernelOverlay
            && replay.Name == OpaqueMarkerFile
            && replay.Type == "regular empty file"
            && upper.TryGetValue(replay.Path, out var upperEntry)
            && upperEntry.Type == "regular empty file";
        if (isMarker)
        {
            notes.Add($"{replay.Path}: fuse-overlayfs's opaque marker file, shown by the kernel");
        }
        return isMarker;
    }

    // The kernel passes the entries of a directory that is upper-only or opaque to readdir
    // as they are, the '.wh..opq' devices included, while a lookup of such a whiteout finds
    // nothing: busybox find says so on stderr and lists the directory without it.
    protected override bool IsExpectedReplayError(
        string line,
        ReplayMount mount,
        List<string> notes)
    {
        var expected = mount == ReplayMount.KernelOverlay && IsWhiteoutLookupError(line);
        if (expected)
        {
            notes.Add($"stderr: {line}");
        }
        return expected;
    }
}
