using System.Globalization;
using System.Runtime.Versioning;
using System.Text;
using System.Text.Json.Nodes;

namespace ArchiveOverlay.IntegrationTests.Podman;

/// <summary>
/// A throwaway rootful podman with its own configuration, store, hooks directory and hook log
/// under one temp directory, so tests never touch the machine's podman store or /etc/containers.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class PodmanSandbox : IDisposable
{
    private const string AnnotationPrefix = "com.launchplatform.oci-hooks.archive-overlay.";
    private const string AnnotationPattern =
        @"^com\.launchplatform\.oci-hooks\.archive-overlay\.[^.]+\.";
    private const string FuseOverlayfs = "/usr/bin/fuse-overlayfs";

    private static readonly string[] s_busyboxApplets =
    [
        "cat", "echo", "ln", "ls", "mkdir", "mv", "rm", "sh", "sleep", "stat", "touch", "true",
    ];

    private static readonly string[] s_directories =
    [
        "hooks.d", "networks", "tmp", "store", "images", "work",
    ];

    private readonly Dictionary<string, string> _environment;
    private bool _disposed;

    /// <summary>
    /// Creates the sandbox; the hooks directory runs <paramref name="hookBinary"/> at poststop for
    /// containers with archive annotations, through a wrapper that keeps its stderr and exit code.
    /// </summary>
    public PodmanSandbox(string hookBinary, bool useFuseOverlayfs)
    {
        Root = Directory.CreateTempSubdirectory("archive-overlay-podman-").FullName;
        _environment = new Dictionary<string, string>
        {
            ["CONTAINERS_CONF"] = Path.Combine(Root, "containers.conf"),
            ["CONTAINERS_STORAGE_CONF"] = Path.Combine(Root, "storage.conf"),
            ["TMPDIR"] = PathIn("tmp"),
        };
        try
        {
            foreach (var directory in s_directories)
            {
                Directory.CreateDirectory(PathIn(directory));
            }
            WriteContainersConf();
            WriteStorageConf(useFuseOverlayfs);
            WriteHook(hookBinary);
        }
        catch
        {
            Directory.Delete(Root, recursive: true);
            throw;
        }
    }

    /// <summary>The sandbox's temp directory; everything it creates lives below it.</summary>
    public string Root { get; }

    /// <summary>What the hook wrote to stderr, over every run since the last clear.</summary>
    public string HookLog => ReadTextOrEmpty(PathIn("hook.log"));

    /// <summary>What the hook wrote to stdout; it should stay empty.</summary>
    public string HookStdout => ReadTextOrEmpty(PathIn("hook.stdout"));

    /// <summary>The hook's exit code for each poststop run since the last clear.</summary>
    public IReadOnlyList<int> HookExitCodes =>
        ReadTextOrEmpty(PathIn("hook.status"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => int.Parse(line, CultureInfo.InvariantCulture))
            .ToList();

    /// <summary>
    /// getfattr's dump of the trusted.overlay.redirect and trusted.overlay.metacopy xattrs in
    /// every upperdir the hook was given, taken just before each hook run.
    /// </summary>
    public string UpperDirOverlayXattrs => ReadTextOrEmpty(PathIn("hook.overlay-xattrs"));

    /// <summary>Forgets earlier hook runs: a test then sees only its own containers.</summary>
    public void ClearHookRecords()
    {
        foreach (var name in new[] { "hook.log", "hook.stdout", "hook.status", "hook.overlay-xattrs" })
        {
            File.Delete(PathIn(name));
        }
    }

    /// <summary>Creates a new, empty directory in the sandbox for a test's files.</summary>
    public string CreateDirectory(string name)
    {
        var path = Path.Combine(PathIn("work"), name);
        if (Directory.Exists(path))
        {
            throw new InvalidOperationException($"sandbox directory '{path}' already exists");
        }
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>
    /// Imports an image of busybox-static with applet symlinks in /bin, and the host's getfattr
    /// and setfattr (from the attr package) with the shared libraries they load, which busybox
    /// has no applets for.
    /// </summary>
    public void ImportBusyboxImage(string name)
    {
        var rootfs = CreateDirectory("busybox-rootfs-" + Guid.NewGuid().ToString("N"));
        var bin = Directory.CreateDirectory(Path.Combine(rootfs, "bin")).FullName;
        File.Copy(FindOnPath("busybox"), Path.Combine(bin, "busybox"));
        foreach (var applet in s_busyboxApplets)
        {
            File.CreateSymbolicLink(Path.Combine(bin, applet), "busybox");
        }
        foreach (var program in new[] { "getfattr", "setfattr" })
        {
            var path = FindOnPath(program);
            File.Copy(path, Path.Combine(bin, program));
            foreach (var library in SharedLibraries(path))
            {
                var copy = rootfs + library;
                if (!File.Exists(copy))
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
                    File.Copy(library, copy);
                }
            }
        }

        ImportDataImage(name, rootfs);
    }

    /// <summary>Imports the tree in <paramref name="sourceDir"/> as a one-layer image.</summary>
    public void ImportDataImage(string name, string sourceDir) =>
        ImportDataImage(name, sourceDir, keepXattrs: false);

    /// <summary>
    /// Imports the tree in <paramref name="sourceDir"/> as a one-layer image; with
    /// <paramref name="keepXattrs"/>, its extended attributes go into the layer too.
    /// </summary>
    public void ImportDataImage(string name, string sourceDir, bool keepXattrs)
    {
        var tarName = Guid.NewGuid().ToString("N") + ".tar";
        var tarPath = Path.Combine(PathIn("images"), tarName);
        string[] xattrOptions = keepXattrs ? ["--xattrs", "--xattrs-include=*"] : [];
        CommandResult.RunChecked(
            "tar",
            [.. xattrOptions, "--numeric-owner", "-C", sourceDir, "-cf", tarPath, "."]);

        // Image copies keep a blob info cache in /var/lib/containers/cache when run as root, and
        // podman 4.3 has no setting to move it: a private tmpfs over /var/lib hides the real one.
        RunChecked(
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            "mount -t tmpfs -o size=16m archive-overlay-test /var/lib && exec \"$@\"",
            "sh",
            "podman",
            "import",
            "--quiet",
            tarPath,
            name);
    }

    /// <summary>podman run arguments for one annotation of <paramref name="archive"/>.</summary>
    public static string[] Annotation(string archive, string key, string value) =>
        ["--annotation", $"{AnnotationPrefix}{archive}.{key}={value}"];

    /// <summary>
    /// podman run arguments for two archives of <paramref name="mountPoint"/>: "c", a copy at
    /// <paramref name="copy"/>, and "t", a tar.gz at <paramref name="tarGz"/>, with success files
    /// copy.ok and tar.ok beside the copy.
    /// </summary>
    public static string[] CopyAndTarGzAnnotations(string mountPoint, string copy, string tarGz)
    {
        var output = Path.GetDirectoryName(copy)!;
        return
        [
            .. Annotation("c", "mount-point", mountPoint),
            .. Annotation("c", "archive-to", copy),
            .. Annotation("c", "success", Path.Combine(output, "copy.ok")),
            .. Annotation("t", "mount-point", mountPoint),
            .. Annotation("t", "archive-to", tarGz),
            .. Annotation("t", "success", Path.Combine(output, "tar.ok")),
            .. Annotation("t", "method", "tar.gz"),
        ];
    }

    /// <summary>Runs podman here; on failure, throws with all output and the hook log.</summary>
    public CommandResult Run(params string[] args) => RunChecked("podman", args);

    /// <summary>The hook's records, for failure messages.</summary>
    public string DescribeHookRuns() =>
        $"--- hook exit codes: [{string.Join(", ", HookExitCodes)}]\n"
            + $"--- hook stderr ---\n{HookLog}"
            + $"--- hook stdout ---\n{HookStdout}";

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;

        // Removing the containers and images first lets podman unmount what it mounted.
        RunForCleanup("podman", "rm", "--all", "--force");
        RunForCleanup("podman", "rmi", "--all", "--force");

        UnmountEverythingBelowRoot();
        var leftOver = FindMountPointsBelowRoot();
        if (leftOver.Count > 0)
        {
            throw new InvalidOperationException(
                $"sandbox '{Root}' not deleted, still mounted: {string.Join(", ", leftOver)}");
        }
        Directory.Delete(Root, recursive: true);
    }

    private string PathIn(string name) => Path.Combine(Root, name);

    private CommandResult RunChecked(string fileName, params string[] args)
    {
        var result = CommandResult.Run(fileName, args, _environment);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{result}\n{DescribeHookRuns()}");
        }
        return result;
    }

    private void RunForCleanup(string fileName, params string[] args)
    {
        try
        {
            CommandResult.Run(fileName, args, _environment);
        }
        catch (InvalidOperationException)
        {
            // The tool is missing or did not start: there is nothing of it to clean up.
        }
    }

    private void WriteContainersConf()
    {
        // Per PODMAN.md: crun refuses the hybrid cgroups here and runc cannot raise the default
        // limits. network_config_dir, tmp_dir, image_copy_tmp_dir and file locks keep podman's
        // own state out of /etc/containers, /run/libpod, /var/tmp and /dev/shm.
        var text = $"""
            [containers]
            default_ulimits = ["nofile=20000:20000", "nproc=1024:1024"]
            netns = "none"

            [network]
            network_config_dir = {Toml(PathIn("networks"))}

            [engine]
            runtime = "runc"
            cgroup_manager = "cgroupfs"
            hooks_dir = [{Toml(PathIn("hooks.d"))}]
            tmp_dir = {Toml(PathIn("tmp"))}
            image_copy_tmp_dir = {Toml(PathIn("tmp"))}
            lock_type = "file"

            """;
        File.WriteAllText(_environment["CONTAINERS_CONF"], text);
    }

    private void WriteStorageConf(bool useFuseOverlayfs)
    {
        var text = new StringBuilder($"""
            [storage]
            driver = "overlay"
            graphroot = {Toml(Path.Combine(PathIn("store"), "graph"))}
            runroot = {Toml(Path.Combine(PathIn("store"), "run"))}

            """);
        if (useFuseOverlayfs)
        {
            text.Append($"""

                [storage.options.overlay]
                mount_program = {Toml(FuseOverlayfs)}

                """);
        }
        File.WriteAllText(_environment["CONTAINERS_STORAGE_CONF"], text.ToString());
    }

    private void WriteHook(string hookBinary)
    {
        // Podman runs poststop hooks with an empty environment and drops their output and exit
        // code, so the hook runs through a wrapper that keeps both for the tests. It also records
        // the renamed-directory and metadata-only copy-up markers in each upperdir named in
        // config.json, which the upperdir's deletion right after the hook would otherwise hide.
        var wrapperPath = PathIn("hook-wrapper.sh");
        var wrapper = $"""
            #!/bin/sh
            state=$({FindOnPath("cat")})
            bundle=$(printf '%s' "$state" | {FindOnPath("grep")} -o '"bundle":"[^"]*"' \
                | {FindOnPath("cut")} -d '"' -f 4)
            for upper in $({FindOnPath("grep")} -o 'upperdir=[^",]*' "$bundle/config.json" \
                | {FindOnPath("cut")} -d = -f 2-); do
                (cd "$upper" && {FindOnPath("getfattr")} --recursive --physical --no-dereference \
                    --dump --encoding=hex --match='^trusted\.overlay\.(redirect|metacopy)$' . \
                    >>{ShellQuote(PathIn("hook.overlay-xattrs"))} 2>&1)
            done
            printf '%s' "$state" | {ShellQuote(hookBinary)} "$@" \
                >>{ShellQuote(PathIn("hook.stdout"))} 2>>{ShellQuote(PathIn("hook.log"))}
            status=$?
            echo "$status" >>{ShellQuote(PathIn("hook.status"))}
            exit "$status"

            """;
        File.WriteAllText(wrapperPath, wrapper);
        File.SetUnixFileMode(
            wrapperPath,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var hookConfig = new JsonObject
        {
            ["version"] = "1.0.0",
            ["hook"] = new JsonObject
            {
                ["path"] = wrapperPath,
                ["args"] = new JsonArray("archive_overlay", "--log-level", "debug"),
            },
            ["when"] = new JsonObject
            {
                ["annotations"] = new JsonObject
                {
                    [AnnotationPattern + "mount-point$"] = ".+",
                    [AnnotationPattern + "archive-to$"] = ".+",
                },
            },
            ["stages"] = new JsonArray("poststop"),
        };
        File.WriteAllText(
            Path.Combine(PathIn("hooks.d"), "archive-overlay.json"),
            hookConfig.ToJsonString());
    }

    private void UnmountEverythingBelowRoot()
    {
        // Deepest first, lazily: a busy mount is detached now and released when it is idle.
        var mountPoints = FindMountPointsBelowRoot().OrderByDescending(path => path.Length);
        foreach (var mountPoint in mountPoints)
        {
            RunForCleanup("umount", "--lazy", mountPoint);
        }
    }

    private List<string> FindMountPointsBelowRoot()
    {
        // /proc/self/mountinfo: the fifth field is the mount point, with spaces and the like
        // written as octal escapes (\040).
        var prefix = Root + "/";
        return File.ReadLines("/proc/self/mountinfo")
            .Select(line => UnescapeMountInfo(line.Split(' ')[4]))
            .Where(mountPoint => mountPoint.StartsWith(prefix, StringComparison.Ordinal))
            .Distinct()
            .ToList();
    }

    private static string UnescapeMountInfo(string field)
    {
        var builder = new StringBuilder();
        for (var index = 0; index < field.Length; index++)
        {
            if (field[index] == '\\' && index + 3 < field.Length)
            {
                builder.Append((char)Convert.ToInt32(field.Substring(index + 1, 3), 8));
                index += 3;
            }
            else
            {
                builder.Append(field[index]);
            }
        }
        return builder.ToString();
    }

    private static string FindOnPath(string program)
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':');
        return directories
                .Select(directory => Path.Combine(directory, program))
                .FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"'{program}' not found on PATH", program);
    }

    // ldd prints "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" for a library and
    // "/lib64/ld-linux-x86-64.so.2 (0x...)" for the loader; the vDSO has no path.
    private static List<string> SharedLibraries(string program) =>
        CommandResult.RunChecked("ldd", program).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Trim().Split(' '))
            .Select(fields => fields is [_, "=>", var target, ..] ? target : fields[0])
            .Where(path => path.StartsWith('/'))
            .ToList();

    private static string ReadTextOrEmpty(string path) =>
        File.Exists(path) ? File.ReadAllText(path) : "";

    private static string Toml(string value)
    {
        if (value.Contains('"', StringComparison.Ordinal)
            || value.Contains('\\', StringComparison.Ordinal))
        {
            throw new ArgumentException($"path '{value}' needs TOML escaping", nameof(value));
        }
        return $"\"{value}\"";
    }

    private static string ShellQuote(string value) =>
        "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
