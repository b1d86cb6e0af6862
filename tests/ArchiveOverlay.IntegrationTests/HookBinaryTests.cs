using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace ArchiveOverlay.IntegrationTests;

/// <summary>
/// The built binary with a hand-made bundle, as runc or crun would run it.
/// <code>
/// temp/
///   bundle/config.json   mounts: /proc, and /data as an overlay of lower/ with upper/
///   lower/ upper/ work/
///   out/                 archive targets
/// </code>
/// </summary>
public sealed partial class HookBinaryTests : IDisposable
{
    private const string Prefix = "com.launchplatform.oci-hooks.archive-overlay.";
    private const string ContainerId = "4f1c2b9e8d7a6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170";

    private readonly string _root = Directory.CreateTempSubdirectory("archive-overlay-hook-").FullName;

    public HookBinaryTests()
    {
        foreach (var name in new[] { "bundle", "lower", "upper/dir", "work", "out" })
        {
            Directory.CreateDirectory(Path.Combine(_root, name));
        }
        File.WriteAllText(Path.Combine(_root, "upper", "dir", "file"), "content\n");
        WriteConfig(OverlayOptions(), annotations: null);
    }

    private string Bundle => Path.Combine(_root, "bundle");

    private string Out(string name) => Path.Combine(_root, "out", name);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (trace|debug|info|warning|error) \[(-|[0-9a-f]{12})\] ")]
    private static partial Regex LinePrefix();

    private static string Message(string line) => LinePrefix().Replace(line, "");

    // The messages of the error lines that report a failed archive.
    private static IEnumerable<string> FailureLines(HookResult result) =>
        result.LogLines
            .Select(Message)
            .Where(line => line.StartsWith("archive '", StringComparison.Ordinal)
                && line.Contains("' failed: ", StringComparison.Ordinal));

    private string[] OverlayOptions() =>
    [
        $"lowerdir={Path.Combine(_root, "lower")}",
        $"upperdir={Path.Combine(_root, "upper")}",
        $"workdir={Path.Combine(_root, "work")}",
        "private",
    ];

    private void WriteConfig(
        string[] dataOptions,
        Dictionary<string, string>? annotations,
        string type = "overlay",
        object[]? moreMounts = null)
    {
        var config = new Dictionary<string, object>
        {
            ["ociVersion"] = "1.0.2-dev",
            ["process"] = new { args = new[] { "sh" } },
            ["mounts"] = new object[]
            {
                new { destination = "/proc", type = "proc", source = "proc" },
                new { destination = "/data", type, source = "/var/lib/x/merge", options = dataOptions },
            }.Concat(moreMounts ?? []).ToArray(),
        };
        if (annotations is not null)
        {
            config["annotations"] = annotations;
        }
        File.WriteAllText(Path.Combine(Bundle, "config.json"), JsonSerializer.Serialize(config));
    }

    private string State(Dictionary<string, string>? annotations) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["ociVersion"] = "1.0.2",
            ["id"] = ContainerId,
            ["status"] = "stopped",
            ["bundle"] = Bundle,
            ["annotations"] = annotations,
        });

    private static Dictionary<string, string> Archive(
        string name,
        string mountPoint,
        string target,
        params string[] more)
    {
        var annotations = new Dictionary<string, string>
        {
            [$"{Prefix}{name}.mount-point"] = mountPoint,
            [$"{Prefix}{name}.archive-to"] = target,
        };
        for (var i = 0; i < more.Length; i += 2)
        {
            annotations[$"{Prefix}{name}.{more[i]}"] = more[i + 1];
        }
        return annotations;
    }

    private static Dictionary<string, string> Merge(params Dictionary<string, string>[] archives) =>
        archives.SelectMany(archive => archive).ToDictionary(pair => pair.Key, pair => pair.Value);

    [Fact]
    public void NothingRequestedExitsZeroSilently()
    {
        var result = HookProcess.Run(State(new() { ["io.podman.annotations.autoremove"] = "FALSE" }));

        Assert.Equal((0, "", 0), (result.ExitCode, result.Output, result.LogLines.Length));
    }

    [Fact]
    public void NothingRequestedDoesNotNeedTheBundle()
    {
        File.Delete(Path.Combine(Bundle, "config.json"));

        var result = HookProcess.Run(State(new() { ["other"] = "x" }), "--log-level", "debug");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["no archive requested by the container's annotations"], result.LogLines.Select(Message));
    }

    [Theory]
    [InlineData("", "parse container state from stdin: ")]
    [InlineData("{", "parse container state from stdin: ")]
    [InlineData("[]", "parse container state from stdin: ")]
    [InlineData("{\"bundle\":\"/b\"}", "container state from stdin has no 'id'")]
    [InlineData("{\"id\":\"x\",\"bundle\":\"rel\"}", "container state has no absolute 'bundle' path (got 'rel')")]
    public void BadStateGivesOneErrorLineAndExitTwo(string stdin, string expectedStart)
    {
        var result = HookProcess.Run(stdin);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.LogLines);
        Assert.Matches(LinePrefix(), line);
        Assert.Contains(" error ", line, StringComparison.Ordinal);
        Assert.StartsWith(expectedStart, Message(line), StringComparison.Ordinal);
    }

    [Fact]
    public void MissingConfigJsonGivesOneErrorLineAndExitTwo()
    {
        File.Delete(Path.Combine(Bundle, "config.json"));

        var result = HookProcess.Run(State(Archive("a", "/data", Out("copy"))));

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.LogLines);
        var config = Path.Combine(Bundle, "config.json");
        var expected = $"read bundle config '{config}': open '{config}': No such file or directory";
        Assert.StartsWith(expected, Message(line), StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigJsonThatIsAFifoFailsAtOnceInsteadOfHanging()
    {
        var config = Path.Combine(Bundle, "config.json");
        File.Delete(config);
        System.Diagnostics.Process.Start("mkfifo", [config])!.WaitForExit();

        var result = HookProcess.Run(State(Archive("a", "/data", Out("copy"))));

        Assert.Equal(2, result.ExitCode);
        var expected = $"read bundle config '{config}': '{config}' is not a regular file";
        Assert.Equal([expected], result.LogLines.Select(Message));
    }

    // U+2028 and U+2029 end a line for some log viewers, U+202E turns the text after it around.
    [Theory]
    [InlineData("\n", "\\x0a")]
    [InlineData("\r", "\\x0d")]
    [InlineData("\u2028", "\\u2028")]
    [InlineData("\u2029", "\\u2029")]
    [InlineData("\u202e", "\\u202e")]
    [InlineData("\u0085", "\\x85")]
    public void LineBreaksAndDirectionMarksInAnnotationsCannotForgeLogLines(string separator, string escaped)
    {
        var forged = $"relative{separator}2026-01-01T00:00:00.000Z info [0123456789ab] archived mount '/data'";

        var result = HookProcess.Run(State(Archive("a", "/data", forged)));

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.LogLines);
        Assert.Contains($"relative{escaped}2026-01-01", line, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedConfigJsonGivesOneErrorLineAndExitTwo()
    {
        File.WriteAllText(Path.Combine(Bundle, "config.json"), "{\"mounts\": 5}");

        var result = HookProcess.Run(State(Archive("a", "/data", Out("copy"))));

        Assert.Equal(2, result.ExitCode);
        var config = Path.Combine(Bundle, "config.json");
        var line = Assert.Single(result.LogLines);
        Assert.StartsWith($"parse bundle config '{config}': ", Message(line), StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string[], string> BadArchiveAnnotations => new()
    {
        { "/nowhere", "/OUT/x", [], "no mount at mount point '/nowhere' in config.json" },
        { "/proc", "/OUT/x", [], "mount at '/proc' is not an overlay mount (type 'proc')" },
        {
            "/data", "/OUT/x", ["method", "zip"],
            $"annotation '{Prefix}a.method' has invalid value 'zip': expected 'copy' or 'tar.gz'"
        },
        {
            "/data", "out/x", [],
            $"annotation '{Prefix}a.archive-to' has invalid value 'out/x': expected an absolute path"
        },
        {
            "/data", "/OUT/x", ["method", "tar.gz", "tar-content-owner", "root"],
            $"annotation '{Prefix}a.tar-content-owner' has invalid value 'root': expected UID or UID:GID"
        },
    };

    [Theory]
    [MemberData(nameof(BadArchiveAnnotations))]
    public void BadArchiveGivesOneErrorLineNamingItAndExitOne(
        string mountPoint,
        string target,
        string[] more,
        string reason)
    {
        var hostTarget = target.Replace("/OUT", Out(""), StringComparison.Ordinal);

        var result = HookProcess.Run(State(Archive("a", mountPoint, hostTarget, more)));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([$"archive 'a' failed: {reason} archive=a"], result.LogLines.Select(Message));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_root, "out")));
    }

    [Fact]
    public void ReadOnlyOverlayMountHasNothingToArchive()
    {
        WriteConfig([$"lowerdir={Path.Combine(_root, "lower")}"], annotations: null);

        var result = HookProcess.Run(State(Archive("a", "/data", Out("copy"))));

        Assert.Equal(1, result.ExitCode);
        var expected = "archive 'a' failed: overlay mount at '/data' has no upperdir option: "
            + "it is read-only, nothing to archive archive=a";
        Assert.Equal([expected], result.LogLines.Select(Message));
    }

    [Fact]
    public void ArchivesWhoseOutputsOverlapAreBothRefusedAndNothingIsWritten()
    {
        var annotations = Merge(
            Archive("a", "/data", Out("copy")),
            Archive("z", "/data", Out("z.tar.gz"), "method", "tar.gz", "success", Out("copy/dir/ok")));

        var result = HookProcess.Run(State(annotations));

        Assert.Equal(1, result.ExitCode);
        string[] expected =
        [
            $"archive 'a' failed: its archive-to '{Out("copy")}' overlaps the success '{Out("copy/dir/ok")}' "
                + "of archive 'z' archive=a",
            $"archive 'z' failed: its success '{Out("copy/dir/ok")}' overlaps the archive-to '{Out("copy")}' "
                + "of archive 'a' archive=z",
        ];
        Assert.Equal(expected, FailureLines(result));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_root, "out")));
    }

    [Fact]
    public void ArchiveIntoAnotherOverlayMountsUpperDirIsRefused()
    {
        Directory.CreateDirectory(Path.Combine(_root, "upper2"));
        var cache = new
        {
            destination = "/cache",
            type = "overlay",
            source = "overlay",
            options = new[]
            {
                $"lowerdir={Path.Combine(_root, "lower")}",
                $"upperdir={Path.Combine(_root, "upper2")}",
                $"workdir={Path.Combine(_root, "work2")}",
            },
        };
        WriteConfig(OverlayOptions(), annotations: null, moreMounts: [cache]);
        var target = Path.Combine(_root, "upper2", "data.tar.gz");

        var result = HookProcess.Run(State(Archive("a", "/data", target, "method", "tar.gz")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(
            $"archive 'a' failed: archive-to '{target}' lies inside the upperdir "
                + $"'{Path.Combine(_root, "upper2")}' archive=a",
            result.LogLines.Select(Message));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_root, "upper2")));
    }

    [Fact]
    public void OutputRootAdmitsPathsBelowIt()
    {
        var annotations = Archive("a", "/data", Out("new/copy"), "success", Out("new/copy.ok"));

        var result = HookProcess.Run(State(annotations), "--output-root", Path.Combine(_root, "out"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("content\n", File.ReadAllText(Path.Combine(Out("new/copy"), "dir", "file")));
        Assert.True(File.Exists(Out("new/copy.ok")));
    }

    // The root of the file system this test's directory is on: "/" on a machine without a
    // separate /tmp, where the walk starts at the first component.
    [Fact]
    public void MountPointAsOutputRootAdmitsEveryPathBelowItWithoutSymlinks()
    {
        var mountPoint = Podman.CommandResult.RunChecked("stat", "-c", "%m", _root).Stdout.Trim();

        var result = HookProcess.Run(State(Archive("a", "/data", Out("new/copy"))), "--output-root", mountPoint);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("content\n", File.ReadAllText(Path.Combine(Out("new/copy"), "dir", "file")));
    }

    // Outside by path, and the root itself.
    [Theory]
    [InlineData("elsewhere/copy", "out/ok", "archive-to")]
    [InlineData("out/copy", "elsewhere/ok", "success")]
    [InlineData("out", "elsewhere/ok", "archive-to")]
    public void OutputRootRefusesPathsNotBelowIt(string archiveTo, string success, string refused)
    {
        Directory.CreateDirectory(Path.Combine(_root, "elsewhere"));
        File.CreateSymbolicLink(Out("link"), Path.Combine(_root, "elsewhere"));
        var target = Path.Combine(_root, archiveTo);
        var successPath = Path.Combine(_root, success);
        var annotations = Archive("a", "/data", target, "success", successPath);

        var result = HookProcess.Run(State(annotations), "--output-root", Path.Combine(_root, "out"));

        Assert.Equal(1, result.ExitCode);
        var path = refused == "archive-to" ? target : successPath;
        Assert.Equal(
            [
                $"archive 'a' failed: {refused} '{path}' does not lie below an output root "
                    + $"({Path.Combine(_root, "out")}) archive=a",
            ],
            FailureLines(result));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_root, "elsewhere")));
        Assert.Equal(["link"], Directory.GetFileSystemEntries(Out("")).Select(Path.GetFileName));
    }

    // Below the root no symlink is followed, whether it leads out or not, so none swapped in
    // while the hook works can lead it out.
    [Theory]
    [InlineData("archive-to")]
    [InlineData("success")]
    public void OutputRootRefusesSymlinksBelowIt(string field)
    {
        Directory.CreateDirectory(Path.Combine(_root, "elsewhere"));
        File.CreateSymbolicLink(Out("link"), Path.Combine(_root, "elsewhere"));
        var through = Out("link/x/out");
        var annotations = field == "archive-to"
            ? Archive("a", "/data", through)
            : Archive("a", "/data", Out("copy"), "success", through);

        var result = HookProcess.Run(State(annotations), "--output-root", Path.Combine(_root, "out"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            [
                $"archive 'a' failed: {field} '{through}': '{Out("link")}' is a symlink or not a directory, "
                    + "and below an output root only directories are followed archive=a",
            ],
            FailureLines(result));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_root, "elsewhere")));
        Assert.Equal(["link"], Directory.GetFileSystemEntries(Out("")).Select(Path.GetFileName));
    }

    [Fact]
    public void ArchiveIntoALowerLayerIsRefused()
    {
        var target = Path.Combine(_root, "lower", "a.tar.gz");

        var result = HookProcess.Run(State(Archive("a", "/data", target, "method", "tar.gz")));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            [
                $"archive 'a' failed: archive-to '{target}' lies inside the lower layer "
                    + $"'{Path.Combine(_root, "lower")}' archive=a",
            ],
            FailureLines(result));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_root, "lower")));
    }

    // While mounted, an overlay's mount point on the host leads into its upperdir.
    [Fact]
    public void ArchiveIntoAFuseOverlayfsMountPointIsRefused()
    {
        var layer = Path.Combine(_root, "storage", "overlay", "1");
        foreach (var name in new[] { "merge", "upper", "work" })
        {
            Directory.CreateDirectory(Path.Combine(layer, name));
        }
        var fuse = new
        {
            destination = "/cache",
            type = "bind",
            source = Path.Combine(layer, "merge"),
            options = new[] { "bind", "slave" },
        };
        WriteConfig(OverlayOptions(), annotations: null, moreMounts: [fuse]);
        var target = Path.Combine(layer, "merge", "data.tar.gz");

        var result = HookProcess.Run(State(Archive("a", "/data", target, "method", "tar.gz")));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            [
                $"archive 'a' failed: archive-to '{target}' lies inside the overlay mounted at "
                    + $"'{Path.Combine(layer, "merge")}' archive=a",
            ],
            FailureLines(result));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(layer, "merge")));
    }

    [Fact]
    public void MissingOutputRootIsNamedAsSuch()
    {
        var root = Path.Combine(_root, "not-made");
        var target = Path.Combine(root, "copy");

        var result = HookProcess.Run(State(Archive("a", "/data", target)), "--output-root", root);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            [
                $"archive 'a' failed: archive-to '{target}' does not lie below an output root "
                    + $"({root}; not an existing directory: {root}) archive=a",
            ],
            FailureLines(result));
        Assert.False(Directory.Exists(root));
    }

    [Fact]
    public void ClosedStderrDoesNotKeepTheArchiveFromBeingWritten()
    {
        var exitCode = HookProcess.RunWithStderrClosed(State(Archive("a", "/data", Out("copy"))));

        Assert.Equal(0, exitCode);
        Assert.Equal("content\n", File.ReadAllText(Path.Combine(Out("copy"), "dir", "file")));
    }

    // A runtime that never closes the state pipe and then stops the hook must see it exit.
    [Theory]
    [InlineData(15, "SIGTERM")]
    [InlineData(2, "SIGINT")]
    [InlineData(1, "SIGHUP")]
    public void TerminationSignalEndsTheWaitForTheState(int signal, string name)
    {
        var result = HookProcess.RunAndSignalWhileWaitingForState(signal);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([$"stopped by {name} before any archive was written"], result.LogLines.Select(Message));
    }

    [Fact]
    public void IncompleteArchiveIsIgnoredWithAWarning()
    {
        var annotations = new Dictionary<string, string> { [$"{Prefix}half.mount-point"] = "/data" };

        var result = HookProcess.Run(State(annotations));

        Assert.Equal(0, result.ExitCode);
        var expected = $"archive 'half' ignored: annotation '{Prefix}half.archive-to' is missing archive=half";
        Assert.Equal([expected], result.LogLines.Select(Message));
    }

    [Fact]
    public void FailedArchiveDoesNotStopTheOthers()
    {
        var annotations = Merge(
            Archive("bad", "/nowhere", Out("bad")),
            Archive("good", "/data/", Out("good.tar.gz"), "method", "tar.gz", "success", Out("good.ok")));

        var result = HookProcess.Run(State(annotations));

        Assert.Equal(1, result.ExitCode);
        Assert.True(File.Exists(Out("good.tar.gz")));
        Assert.True(File.Exists(Out("good.ok")));
        Assert.False(Path.Exists(Out("bad")));
        Assert.Equal(2, result.LogLines.Length);
        Assert.StartsWith("archive 'bad' failed: ", Message(result.LogLines[0]), StringComparison.Ordinal);
        Assert.EndsWith(" archive=bad", result.LogLines[0], StringComparison.Ordinal);
        var info = Message(result.LogLines[1]);
        Assert.StartsWith("archived mount '/data' archive=good ", info, StringComparison.Ordinal);
    }

    [Fact]
    public void AnnotationsComeFromConfigJsonWhenTheStateHasNone()
    {
        WriteConfig(OverlayOptions(), Archive("c", "/data", Out("copy")));

        var result = HookProcess.Run(State(annotations: null));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("content\n", File.ReadAllText(Path.Combine(Out("copy"), "dir", "file")));
    }

    [Fact]
    public void CommaJoinedOverlayOptionsAreUnderstood()
    {
        WriteConfig([string.Join(',', OverlayOptions())], annotations: null);

        var result = HookProcess.Run(State(Archive("c", "/data", Out("copy"))));

        Assert.Equal(0, result.ExitCode);
        Assert.True(File.Exists(Path.Combine(Out("copy"), "dir", "file")));
    }

    [Fact]
    public void ArchivedMountIsReportedOnOneInfoLineWithItsFigures()
    {
        var result = HookProcess.Run(State(Archive("t", "/data", Out("a.tar.gz"), "method", "tar.gz")));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Output);
        var line = Assert.Single(result.LogLines);
        Assert.Matches(LinePrefix(), line);
        var expected = $" info [{ContainerId[..12]}] archived mount '/data' archive=t method=tar.gz ";
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.Matches(@" entries=3 bytes=\d+ seconds=\d+\.\d{3}$", line);
    }

    [Fact]
    public void SyslogWithoutADaemonStillArchivesAndLogsToStderr()
    {
        var result = HookProcess.Run(State(Archive("c", "/data", Out("copy"))), "--syslog");

        Assert.Equal(0, result.ExitCode);
        Assert.Single(result.LogLines);
    }

    [Fact]
    public void VersionAndHelpGoToStandardOutput()
    {
        var version = HookProcess.Run("", "--version");
        var help = HookProcess.Run("", "--help");

        Assert.Matches(@"^archive_overlay \d+\.\d+\.\d+", version.Output);
        Assert.StartsWith("usage: archive_overlay [--log-level LEVEL]", help.Output, StringComparison.Ordinal);
        Assert.Equal((0, 0), (version.ExitCode, help.ExitCode));
    }

    [Fact]
    public void UnknownArgumentExitsTwo()
    {
        var result = HookProcess.Run("", "--frobnicate");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("archive_overlay: unknown argument '--frobnicate'", result.LogLines[0]);
    }
}
