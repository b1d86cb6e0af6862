using System.Text.Json;
using ArchiveOverlay.IntegrationTests.Podman;

namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>
/// Everything one replay needs, in a fresh temp directory: lower layers, an upperdir changed
/// through a real overlay mount, a bundle for the hook, the archive and its restore.
/// <code>
/// temp/
///   lower1/ lower2/              lower layers, lower1 on top: lowerdir=lower1:lower2
///   upper/ work/ merged/         the container's upperdir, workdir and mount point
///   bundle/config.json           the overlay mount at /data, as a runtime would write it
///   out/archive[.tar.gz]         the hook's archive; out/success-METHOD once it is complete
///   replay-upper/                the tar.gz restored with GNU tar (a copy is used as it is)
///   replay-work/ replay-merged/  workdir and mount point of the replay
/// </code>
/// </summary>
internal sealed class ReplayWorkspace : IDisposable
{
    public const string Copy = "copy";
    public const string TarGz = "tar.gz";

    private const string AnnotationPrefix = "com.launchplatform.oci-hooks.archive-overlay.replay.";
    private const string ContainerId =
        "5e1a7c0ffee0d15ea5e0ba5eba11fee1dead0c0de5ca1ab1e0f0e0d0c0b0a09";

    private static readonly string[] s_directories =
    [
        "lower1", "lower2", "upper", "work", "merged", "bundle", "out",
        "replay-work", "replay-merged",
    ];

    /// <param name="mountOptions">Extra options of the container's mount.</param>
    /// <param name="replayMountOptions">
    /// Extra options of the replay's mount: none by default, since the archive resolves
    /// redirects and metacopy; "userxattr" where the archive holds user.overlay.* xattrs.
    /// </param>
    public ReplayWorkspace(
        IEnumerable<string>? mountOptions = null,
        IEnumerable<string>? replayMountOptions = null)
    {
        Root = Directory.CreateTempSubdirectory("archive-overlay-replay-").FullName;
        MountOptions = [.. mountOptions ?? []];
        ReplayMountOptions = [.. replayMountOptions ?? []];
        foreach (var directory in s_directories)
        {
            Directory.CreateDirectory(PathIn(directory));
        }
    }

    public string Root { get; }

    /// <summary>
    /// Restore a tar.gz with <see cref="LongPathTarRestore"/> instead of GNU tar, which cannot
    /// extract paths longer than PATH_MAX.
    /// </summary>
    public bool PathsExceedPathMax { get; init; }

    /// <summary>Extra options of the container's mount, such as "redirect_dir=on".</summary>
    public IReadOnlyList<string> MountOptions { get; }

    public IReadOnlyList<string> ReplayMountOptions { get; }

    public string LowerTop => PathIn("lower1");

    public string LowerBottom => PathIn("lower2");

    public string Upper => PathIn("upper");

    public string Merged => PathIn("merged");

    public string SuccessFile(string method) => PathIn($"out/success-{method}");

    public IReadOnlyList<string> LowerDirs => [LowerTop, LowerBottom];

    public string PathIn(string relativePath) => Path.Combine(Root, relativePath);

    public string ArchivePath(string method) =>
        PathIn(method == TarGz ? "out/archive.tar.gz" : "out/archive");

    /// <summary>Runs a shell script (sh -e) inside a directory, such as a lower layer.</summary>
    public static void RunScript(string directory, string script)
    {
        CommandResult.Run("sh", ["-ec", "cd \"$0\"\n" + script, directory]).EnsureSuccess();
    }

    /// <summary>
    /// Mounts the overlay read-write, runs the script in it as a container would, unmounts.
    /// </summary>
    public void ChangeThroughMount(string script) =>
        ChangeThroughMount(merged => RunScript(merged, script));

    public void ChangeThroughMount(Action<string> change)
    {
        using var mount = MountedOverlay.Mount(
            Merged, LowerDirs, Upper, PathIn("work"), readOnly: false, MountOptions);
        change(mount.MountPoint);
    }

    /// <summary>
    /// Mounts lowers and upperdir read-only with the container's options; records the view.
    /// </summary>
    public MergedView RecordMergedView()
    {
        using var mount = MountedOverlay.Mount(
            Merged, LowerDirs, Upper, PathIn("work"), readOnly: true, MountOptions);
        return MergedViewRecorder.Record(mount.MountPoint);
    }

    /// <summary>Runs the real hook binary at poststop for one archive of the mount at /data.
    /// </summary>
    public HookResult Archive(string method, params string[] arguments)
    {
        WriteConfig();
        var annotations = new Dictionary<string, string>
        {
            [AnnotationPrefix + "mount-point"] = "/data",
            [AnnotationPrefix + "archive-to"] = ArchivePath(method),
            [AnnotationPrefix + "method"] = method,
            [AnnotationPrefix + "success"] = SuccessFile(method),
        };
        var state = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["ociVersion"] = "1.0.2",
            ["id"] = ContainerId,
            ["status"] = "stopped",
            ["bundle"] = PathIn("bundle"),
            ["annotations"] = annotations,
        });
        return HookProcess.Run(state, arguments);
    }

    /// <summary>
    /// Gives the upperdir to replay: the copy as it is, or the tar.gz restored as the README says:
    /// GNU tar as root, xattrs included.
    /// </summary>
    public string Restore(string method)
    {
        if (method == Copy)
        {
            return ArchivePath(Copy);
        }
        var upper = PathIn("replay-upper");
        Directory.CreateDirectory(upper);
        if (PathsExceedPathMax)
        {
            LongPathTarRestore.Run(ArchivePath(TarGz), upper);
            return upper;
        }
        CommandResult.Run(
            "tar",
            [
                "--xattrs", "--xattrs-include=*", "--numeric-owner", "--same-permissions",
                "-xzf", ArchivePath(TarGz), "-C", upper,
            ]).EnsureSuccess();
        return upper;
    }

    /// <summary>
    /// Mounts the same lowers under a restored upperdir, read-only with the replay options.
    /// </summary>
    public MergedView RecordReplayedView(string restoredUpper)
    {
        using var mount = MountedOverlay.Mount(
            PathIn("replay-merged"),
            LowerDirs,
            restoredUpper,
            PathIn("replay-work"),
            readOnly: true,
            ReplayMountOptions);
        return MergedViewRecorder.Record(mount.MountPoint);
    }

    /// <summary>
    /// Records the view, archives, restores and records again. Sockets are left out of the archive
    /// by design, so they are left out of the comparison.
    /// </summary>
    public ReplayResult Replay(string method, TimeSpan? restoreTimeLimit = null)
    {
        var steps = new StepTimer();
        var before = steps.Time("record", RecordMergedView);
        var hook = steps.Time("hook", () => Archive(method));
        ReplayResult Stopped(string? failure) =>
            new(method, before, hook, null, [], failure) { Timings = steps.Summary };

        if (hook.ExitCode != 0)
        {
            return Stopped(null);
        }
        if (!Path.Exists(SuccessFile(method)))
        {
            return Stopped("the hook exited 0 but wrote no success file");
        }
        string restored;
        try
        {
            restored = steps.Time("restore", () => Restore(method));
        }
        catch (InvalidOperationException e)
        {
            return Stopped("restoring the archive failed: " + e.Message);
        }
        if (restoreTimeLimit is { } limit && steps.Last > limit)
        {
            return Stopped($"restoring took {steps.Last.TotalSeconds:F1} s");
        }
        var after = steps.Time("record replay", () => RecordReplayedView(restored));
        var differences = steps.Time(
            "compare",
            () => MergedView.Differences(before, after, entry => entry.Kind == "socket"));
        return new ReplayResult(method, before, hook, after, differences, null)
        {
            Timings = steps.Summary,
        };
    }

    public void Dispose()
    {
        foreach (var mountPoint in new[] { Merged, PathIn("replay-merged") })
        {
            // A mount left by a failed step must not keep its tree, or be deleted through.
            if (IsMountPoint(mountPoint))
            {
                Posix.Unmount(mountPoint);
            }
        }
        CommandResult.Run("rm", ["-rf", "--one-file-system", Root]).EnsureSuccess();
    }

    private static bool IsMountPoint(string path) =>
        File.ReadLines("/proc/self/mountinfo").Any(line => line.Split(' ')[4] == path);

    private void WriteConfig()
    {
        var options = new List<string>
        {
            $"lowerdir={string.Join(':', LowerDirs)}",
            $"upperdir={Upper}",
            $"workdir={PathIn("work")}",
        };
        options.AddRange(MountOptions);
        var config = new Dictionary<string, object>
        {
            ["ociVersion"] = "1.0.2",
            ["process"] = new { args = new[] { "sh" } },
            ["mounts"] = new object[]
            {
                new { destination = "/data", type = "overlay", source = "overlay", options },
            },
        };
        File.WriteAllText(PathIn("bundle/config.json"), JsonSerializer.Serialize(config));
    }
}
