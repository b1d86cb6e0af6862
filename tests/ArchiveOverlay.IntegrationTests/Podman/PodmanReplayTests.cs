using System.Globalization;
using System.Runtime.Versioning;
using Xunit;
using Xunit.Abstractions;

namespace ArchiveOverlay.IntegrationTests.Podman;

/// <summary>
/// Faithful replay with a real podman container: the container lists its image mount after
/// changing it; the host mounts each archive over the same image, read-only, lists that with the
/// same busybox, and the two listings must agree.
/// </summary>
[SupportedOSPlatform("linux")]
public abstract class PodmanReplayTests
{
    private const string WhiteoutLookupError = "/.wh..opq: No such file or directory";

    // The change script's ACL: owner rw, user 1000 r, group r, mask r, others nothing.
    private const string AccessControlList =
        "0x0200000001000600ffffffff02000400e803000004000400ffffffff10000400ffffffff20000000ffffffff";

    private readonly PodmanReplayFixture _fixture;
    private readonly ITestOutputHelper _output;

    protected PodmanReplayTests(PodmanReplayFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    /// <summary>How an archive is turned back into an upperdir.</summary>
    protected enum ArchiveMethod
    {
        Copy,
        TarGz,
    }

    /// <summary>What mounts the archive over the image for the replay.</summary>
    protected enum ReplayMount
    {
        KernelOverlay,
        FuseOverlayfs,
    }

    [RootFact]
    public void HookArchivesTheContainerAsCopyAndTarGzWithoutWarnings()
    {
        var run = _fixture.ContainerRun;
        _output.WriteLine(
            $"podman run: {_fixture.ContainerRunTime.TotalSeconds:F2} s\n{_fixture.HookLog}");

        Assert.True(
            _fixture.HookExitCodes is [0] && _fixture.HookStdout.Length == 0,
            $"expected one successful hook run with empty stdout\n{_fixture.HookRuns}");
        AssertArchiveOutputs(
            ["copy", "copy.ok", "data.tar.gz", "tar.ok"],
            Directory.EnumerateFileSystemEntries(_fixture.ArchiveDirectory)
                .Select(path => Path.GetFileName(path)));

        // "2026-12-04T13:15:36.482Z info [0123456789ab] archived mount ...": the level is second,
        // and the only complaint is the two sockets, one line per archive.
        var complaints = _fixture.HookLog
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => line.Split(' ') is [_, not ("debug" or "info"), ..])
            .Select(line => line[(line.IndexOf(']', StringComparison.Ordinal) + 2)..])
            .ToList();
        Assert.True(
            complaints.SequenceEqual(
                [
                    "archive 'c' leaves out 2 socket(s) archive=c",
                    "archive 't' leaves out 2 socket(s) archive=t",
                ]),
            $"hook warnings or errors\n{_fixture.HookRuns}");
        Assert.True(run.Stderr.Length == 0, $"the container wrote to stderr\n{run}");

        // The container's terabyte of holes stays holes in the copy, and the tar.gz holds no run
        // of zeros: gzip squeezes zeros about a thousandfold, so a terabyte of them would take a
        // gigabyte, where the whole archive, 100,000 entries and all, takes under two megabytes.
        var huge = Path.Combine(_fixture.CopyArchive, "huge");
        var hugeBlocks = CommandResult.RunChecked("stat", "-c", "%b %B", huge).Stdout.Split(' ');
        var hugeAllocated = long.Parse(hugeBlocks[0], CultureInfo.InvariantCulture)
            * long.Parse(hugeBlocks[1], CultureInfo.InvariantCulture);
        var tarGzSize = new FileInfo(_fixture.TarGzArchive).Length;
        _output.WriteLine($"huge: {hugeAllocated} bytes allocated in the copy; tar.gz {tarGzSize} bytes");
        Assert.True(new FileInfo(huge).Length == (1L << 40) + 4, $"{huge} has the wrong size");
        Assert.True(hugeAllocated < 1 << 20, $"{huge} has {hugeAllocated} bytes allocated");
        Assert.True(tarGzSize < 16 << 20, $"the tar.gz has {tarGzSize} bytes");
    }

    [RootFact]
    public void CopyArchiveOverTheImageInKernelOverlayShowsWhatTheContainerSaw() =>
        AssertReplayShowsContainerView(ArchiveMethod.Copy, ReplayMount.KernelOverlay);

    [RootFact]
    public void TarGzArchiveOverTheImageInKernelOverlayShowsWhatTheContainerSaw() =>
        AssertReplayShowsContainerView(ArchiveMethod.TarGz, ReplayMount.KernelOverlay);

    /// <summary>
    /// Replays <paramref name="method"/>'s archive with <paramref name="mount"/> and requires its
    /// listing to equal the container's, apart from what <see cref="ReconcileContainerEntry"/>
    /// and <see cref="IsMountProgramArtifact"/> take out.
    /// </summary>
    protected void AssertReplayShowsContainerView(ArchiveMethod method, ReplayMount mount)
    {
        var containerListing = _fixture.ContainerRun.Stdout;
        var replay = Replay(method, mount);

        var upperEntries = PodmanReplayListing.Parse(replay.UpperListing.Stdout)
            .ToDictionary(entry => entry.Path, StringComparer.Ordinal);
        var replayEntries = PodmanReplayListing.Parse(replay.ViewListing.Stdout);
        var replayByPath = replayEntries.ToDictionary(entry => entry.Path, StringComparer.Ordinal);
        var notes = new List<string>();

        var expected = PodmanReplayListing.Parse(containerListing)
            .Where(entry => !IsSocketLeftOut(entry, notes))
            .Select(entry => replayByPath.TryGetValue(entry.Path, out var replayEntry)
                ? ReconcileContainerEntry(entry, replayEntry, upperEntries, notes)
                : entry)
            .Select(entry => entry.ToString())
            .ToList();
        var actual = replayEntries
            .Where(entry => !IsMountProgramArtifact(entry, mount, upperEntries, notes))
            .Select(entry => entry.ToString())
            .ToList();

        var errors = replay.ViewListing.Stderr
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !IsExpectedReplayError(line, mount, notes))
            .ToList();
        var report = Describe(method, mount, containerListing, replay, notes);
        _output.WriteLine(report);

        Assert.True(
            replay.ViewListing.ExitCode == 0 && errors.Count == 0,
            $"listing the replay failed: {string.Join("\n", errors)}\n{report}");
        if (!expected.SequenceEqual(actual, StringComparer.Ordinal))
        {
            Assert.Fail(
                "the replay's listing differs from the container's\n"
                    + $"only in the container:\n{Lines(expected.Except(actual))}"
                    + $"only in the replay:\n{Lines(actual.Except(expected))}"
                    + report);
        }
        AssertContainerSetXattrs(expected, report);
    }

    // No archive can hold a socket: the hook leaves it out, with a whiteout in its place where it
    // hid a lower entry, so the replay shows neither.
    private static bool IsSocketLeftOut(PodmanReplayEntry container, List<string> notes)
    {
        if (container.Type != "socket")
        {
            return false;
        }
        notes.Add($"{container.Path}: a socket, left out of every archive");
        return true;
    }

    /// <summary>
    /// The container's entry as the replay must show it; a mount program whose view of its own
    /// upperdir differs from what the upperdir holds overrides this and notes what it changed.
    /// </summary>
    protected virtual PodmanReplayEntry ReconcileContainerEntry(
        PodmanReplayEntry container,
        PodmanReplayEntry replay,
        IReadOnlyDictionary<string, PodmanReplayEntry> upper,
        List<string> notes) => container;

    /// <summary>Whether a replay entry belongs to the mount program's own conventions.</summary>
    protected virtual bool IsMountProgramArtifact(
        PodmanReplayEntry replay,
        ReplayMount mount,
        IReadOnlyDictionary<string, PodmanReplayEntry> upper,
        List<string> notes) => false;

    /// <summary>Whether a line on the replay listing's stderr is expected.</summary>
    protected virtual bool IsExpectedReplayError(
        string line,
        ReplayMount mount,
        List<string> notes) => false;

    // busybox find names what readdir returned and lookup did not find as
    // "find: ./dir/.wh..opq: No such file or directory".
    protected static bool IsWhiteoutLookupError(string line) =>
        line.EndsWith(WhiteoutLookupError, StringComparison.Ordinal)
        && line.StartsWith("find: ./", StringComparison.Ordinal);

    private void AssertArchiveOutputs(string[] expected, IEnumerable<string> actual)
    {
        var actualSorted = actual.Order(StringComparer.Ordinal).ToList();
        Assert.True(
            expected.SequenceEqual(actualSorted, StringComparer.Ordinal),
            $"archive outputs: [{string.Join(", ", actualSorted)}]\n{_fixture.HookRuns}");
    }

    private ReplayResult Replay(ArchiveMethod method, ReplayMount mount)
    {
        var sandbox = _fixture.Sandbox;
        var name = $"{method}-{mount}";
        var upper = method == ArchiveMethod.Copy
            ? _fixture.CopyArchive
            : ExtractTarGz(_fixture.TarGzArchive, _fixture.CreateDirectory($"upper-{name}"));
        var mountPoint = sandbox.CreateDirectory($"replay-{name}");

        var lower = sandbox.Run("image", "mount", PodmanReplayFixture.DataImage).Stdout.Trim();
        try
        {
            Mount(mount, upper, lower, mountPoint);
            try
            {
                return new ReplayResult(
                    upper,
                    lower,
                    PodmanReplayListing.ListOnHost(upper),
                    PodmanReplayListing.ListOnHost(mountPoint),
                    mountPoint);
            }
            finally
            {
                CommandResult.RunChecked("umount", mountPoint);
            }
        }
        finally
        {
            sandbox.Run("image", "unmount", PodmanReplayFixture.DataImage);
        }
    }

    // As README says to restore an archive.
    private static string ExtractTarGz(string tarGz, string destination)
    {
        CommandResult.RunChecked(
            "tar",
            "--xattrs",
            "--xattrs-include=*",
            "--numeric-owner",
            "--same-permissions",
            "-xzf",
            tarGz,
            "-C",
            destination);
        return destination;
    }

    // Read-only: the upperdir replayed is the top lowerdir, the image below it.
    private static void Mount(ReplayMount mount, string upper, string lower, string mountPoint)
    {
        foreach (var path in new[] { upper, lower })
        {
            if (path.Contains(':', StringComparison.Ordinal)
                || path.Contains(',', StringComparison.Ordinal))
            {
                throw new ArgumentException($"path '{path}' cannot go into lowerdir=");
            }
        }
        var lowerDirs = $"lowerdir={upper}:{lower}";
        if (mount == ReplayMount.KernelOverlay)
        {
            CommandResult.RunChecked(
                "mount", "-t", "overlay", "overlay", "-o", "ro," + lowerDirs, mountPoint);
        }
        else
        {
            // Without an upperdir fuse-overlayfs mounts read-only.
            CommandResult.RunChecked("fuse-overlayfs", "-o", lowerDirs, mountPoint);
        }
    }

    // The listing's xattrs come from getfattr in the container and on the host; if it printed
    // nothing on both sides the listings would still agree, so the values the change script set
    // must be there.
    private static void AssertContainerSetXattrs(List<string> containerListing, string report)
    {
        string[] expected =
        [
            "./acl|" + "system.posix_acl_access=" + AccessControlList,
            "./acl-dir|" + "system.posix_acl_default=" + AccessControlList,
            "./binary-xattr|user.bin=0xff00fe80",
            "./cap|security.capability=0x0100000200040000000000000000000000000000",
            "./trusted|trusted.app=0x736563726574",
            "./xattr.txt|user.note=0x68656c6c6f",
        ];
        var actual = containerListing
            .Select(PodmanReplayEntry.Parse)
            .Where(entry => entry.Xattrs.Length > 0)
            .Select(entry => $"{entry.Path}|{entry.Xattrs}")
            .ToList();
        Assert.True(
            expected.SequenceEqual(actual, StringComparer.Ordinal),
            $"xattrs in the container's listing:\n{Lines(actual)}\n{report}");
    }

    private static string Lines(IEnumerable<string> lines)
    {
        var text = string.Concat(lines.Select(line => $"  {line}\n"));
        return text.Length == 0 ? "  (none)\n" : text;
    }

    private string Describe(
        ArchiveMethod method,
        ReplayMount mount,
        string containerListing,
        ReplayResult replay,
        List<string> notes)
    {
        var mountProgram = _fixture.UsesFuseOverlayfs ? "fuse-overlayfs" : "kernel overlayfs";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"""
            --- container on {mountProgram}, {method} archive replayed with {mount}
            --- lowerdir={replay.UpperDir}:{replay.LowerDir} at {replay.MountPoint}
            --- differences taken out ({notes.Count}):
            {string.Join("\n", notes)}
            --- container listing ---
            {containerListing}
            --- replay listing ---
            {replay.ViewListing.Stdout}
            --- replay listing stderr ---
            {replay.ViewListing.Stderr}
            --- replayed upperdir listing ---
            {replay.UpperListing.Stdout}
            --- hook ---
            {_fixture.HookRuns}
            """);
    }

    private sealed record ReplayResult(
        string UpperDir,
        string LowerDir,
        CommandResult UpperListing,
        CommandResult ViewListing,
        string MountPoint);
}
