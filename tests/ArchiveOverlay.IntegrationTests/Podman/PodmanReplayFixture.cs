using System.Diagnostics;
using System.Runtime.Versioning;

namespace ArchiveOverlay.IntegrationTests.Podman;

/// <summary>
/// One podman sandbox per test class: imports a data image and busybox, then runs one container
/// that changes the data image mount, lists it, and has the hook archive its upperdir as a copy
/// and as a tar.gz.
/// </summary>
[SupportedOSPlatform("linux")]
public abstract class PodmanReplayFixture : IDisposable
{
    /// <summary>The image mounted read-write at /data; a replay mounts it as lowerdir.</summary>
    public const string DataImage = "localhost/archive-overlay-replay-data";

    private const string BusyboxImage = "localhost/archive-overlay-replay-busybox";

    // Applied to the data image (drawn in CreateDataTree) at /data, each line a kind of change an
    // upperdir records; busybox sh runs every applet by name. It ends with 'set +e' so the
    // listing that follows runs as on the host, where a failing entry shows on stderr.
    private const string ChangeScript = """
        set -e
        cd /data
        # a new file, a copy-up with an append, a new sparse file
        echo new > new.txt
        echo more >> append.txt
        truncate -s 1M sparse && echo end >> sparse
        # whiteouts: a file, a directory tree, a file in a directory that stays
        rm gone.txt
        rm -r olddir
        rm dir/nested/deep/file
        # opaque directory: deleted and recreated; a file that becomes a directory and back
        rm -r recreate && mkdir recreate && echo fresh > recreate/fresh.txt
        rm swap && mkdir swap && echo in > swap/in.txt
        rm -r swapdir && echo now-a-file > swapdir
        # a new directory inside copied-up ones, and an append deep down
        mkdir dir/nested/newsub && echo sub > dir/nested/newsub/f
        echo more >> dir/nested/n.txt
        # symlinks: new, dangling with an old mtime, a lower one replaced
        ln -s new.txt new-link
        ln -s /nowhere dangling && touch -h -d '2002-03-04 05:06:07' dangling
        rm abs-link && ln -s /etc/group abs-link
        # hard links: two new names of one new file, a new name of a lower hard-linked file
        ln new.txt new-hard
        ln hard1 hard3
        # metadata-only changes, copied up
        chmod 4755 chmod.txt
        chmod 1777 emptydir
        chown 1234:5678 chown.txt
        touch -d '2001-02-03 04:05:06' touch.txt
        chmod 700 dir/nested
        : > truncated.txt
        # odd modes and sizes: no permissions, a setgid directory, an empty file, and a name of
        # 251 bytes, the longest fuse-overlayfs allows (it keeps 4 bytes for '.wh.')
        echo secret > noperm && chmod 000 noperm
        mkdir shared && chmod 2775 shared
        : > empty
        echo long > "$(printf '%0251d' 0)"
        # special files
        mkfifo fifo
        mknod null c 1 3
        # renames: a file, and a lower directory (no redirect_dir: mv copies it, then deletes)
        mv rename-me.txt renamed.txt
        mv movedir moved
        # names that are not plain
        echo x > 'with space'
        echo y > "$(printf 'bad\377name')"
        # a copy-up by an append keeps the lower file's user xattr
        echo more >> xattr.txt
        # extended attributes: a file capability (cap_net_bind_service, effective), a binary
        # user value, a trusted name, an access ACL (user 1000 may read) and a default ACL
        echo cap > cap && setfattr -n security.capability \
            -v 0x0100000200040000000000000000000000000000 cap
        echo bin > binary-xattr && setfattr -n user.bin -v 0xff00fe80 binary-xattr
        echo t > trusted && setfattr -n trusted.app -v secret trusted
        acl=0x0200000001000600ffffffff02000400e803000004000400ffffffff10000400ffffffff20000000ffffffff
        echo acl > acl && setfattr -n system.posix_acl_access -v $acl acl
        mkdir acl-dir && setfattr -n system.posix_acl_default -v $acl acl-dir
        # a terabyte of holes with a line at its end: a size beyond 8 GiB that no one reads
        truncate -s 1099511627776 huge && echo end >> huge
        # owner ids beyond what tar's octal fields hold, a time before 1970
        echo id > big-ids && chown 4294967294:3000000 big-ids
        echo old > old && touch -d @-300000000 old
        # a block device, a directory no one may enter
        mknod loop b 7 0
        mkdir locked && echo x > locked/f && chmod 000 locked
        # a path longer than 255 bytes; a directory of 100,000 entries (10,000 on fuse-overlayfs,
        # where each create is a round trip through FUSE); a tree 2,000 levels
        # deep, as deep as GNU tar still extracts (./deep/d/.../d/file stays under PATH_MAX)
        long=$(printf 'a-directory-name-of-forty-bytes-%08d/' 1 2 3 4 5 6 7)
        mkdir -p "$long" && echo deep > "${long}file"
        mkdir wide && i=0 && while [ $i -lt "$WIDE_ENTRIES" ]; do : > wide/$i; i=$((i + 1)); done
        mkdir deep && cd deep && i=0 && while [ $i -lt 2000 ]; do mkdir d && cd d; i=$((i + 1)); done
        echo bottom > file && cd /data
        # sockets: busybox cannot bind one, so the host binds them through /proc/PID/root once
        # the container says it is ready; one new, one where a lower file was
        rm socket-over-file
        touch /signal/ready
        i=0 && while [ ! -e /signal/go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
        set +e
        """;

    private readonly Lazy<State> _state;
    private readonly List<string> _byteNamedDirectories = [];

    protected PodmanReplayFixture(bool useFuseOverlayfs, bool redirectAndMetacopy = false)
    {
        UsesFuseOverlayfs = useFuseOverlayfs;
        UsesRedirectAndMetacopy = redirectAndMetacopy;
        _state = new Lazy<State>(Start);
    }

    /// <summary>Whether podman mounts images with fuse-overlayfs, not kernel overlayfs.</summary>
    public bool UsesFuseOverlayfs { get; }

    /// <summary>
    /// Whether the container's kernel overlay mount has redirect_dir and metacopy on, so that a
    /// renamed lower directory is a redirect and a chmod, chown or touch of a lower file a
    /// metadata-only copy-up. Podman passes no mount options of its own for an image mount, so
    /// the overlay module's defaults are switched on for the container's start.
    /// </summary>
    public bool UsesRedirectAndMetacopy { get; }

    public PodmanSandbox Sandbox => _state.Value.Sandbox;

    /// <summary>The podman run of the container; its stdout is the container's listing.</summary>
    public CommandResult ContainerRun => _state.Value.ContainerRun;

    /// <summary>How long podman run took, the hook's two archives included.</summary>
    public TimeSpan ContainerRunTime => _state.Value.ContainerRunTime;

    /// <summary>The hook's records of the container's poststop.</summary>
    public string HookRuns => _state.Value.HookRuns;

    public IReadOnlyList<int> HookExitCodes => _state.Value.HookExitCodes;

    public string HookLog => _state.Value.HookLog;

    public string HookStdout => _state.Value.HookStdout;

    /// <summary>
    /// The trusted.overlay.redirect and .metacopy xattrs in the container's upperdir as the
    /// hook was started, as getfattr dumps them.
    /// </summary>
    public string UpperDirOverlayXattrs => _state.Value.UpperDirOverlayXattrs;

    /// <summary>The directory the hook wrote both archives and their success files to.</summary>
    public string ArchiveDirectory => Path.GetDirectoryName(CopyArchive)!;

    public string CopyArchive => _state.Value.CopyArchive;

    public string TarGzArchive => _state.Value.TarGzArchive;

    /// <summary>
    /// Creates a sandbox directory for a replay; it may come to hold names that are not UTF-8,
    /// which .NET's recursive delete cannot remove, so disposing removes it with rm first.
    /// </summary>
    public string CreateDirectory(string name)
    {
        var path = Sandbox.CreateDirectory(name);
        lock (_byteNamedDirectories)
        {
            _byteNamedDirectories.Add(path);
        }
        return path;
    }

    public void Dispose()
    {
        if (_state.IsValueCreated)
        {
            try
            {
                RemoveByteNamedDirectories();
            }
            finally
            {
                _state.Value.Sandbox.Dispose();
            }
        }
        GC.SuppressFinalize(this);
    }

    private State Start()
    {
        var sandbox = new PodmanSandbox(TestBinary.Path, UsesFuseOverlayfs);
        try
        {
            sandbox.ImportDataImage(DataImage, CreateDataTree(sandbox), keepXattrs: true);
            sandbox.ImportBusyboxImage(BusyboxImage);
            var output = sandbox.CreateDirectory("archives");
            _byteNamedDirectories.Add(output);
            if (!UsesRedirectAndMetacopy)
            {
                return RunContainer(sandbox, output);
            }
            using (OverlayModuleDefaults.SwitchOn("redirect_dir", "metacopy"))
            {
                return RunContainer(sandbox, output);
            }
        }
        catch (Exception failure)
        {
            try
            {
                try
                {
                    RemoveByteNamedDirectories();
                }
                finally
                {
                    sandbox.Dispose();
                }
            }
            catch (Exception cleanupFailure)
            {
                // The first failure says what went wrong; the cleanup's must not hide it.
                throw new AggregateException(failure, cleanupFailure);
            }
            throw;
        }
    }

    // Only below the sandbox, never across a mount: replays are unmounted by then.
    private void RemoveByteNamedDirectories()
    {
        lock (_byteNamedDirectories)
        {
            foreach (var directory in _byteNamedDirectories)
            {
                CommandResult.RunChecked("rm", "-rf", "--one-file-system", directory);
            }
            _byteNamedDirectories.Clear();
        }
    }

    private State RunContainer(PodmanSandbox sandbox, string output)
    {
        var copy = Path.Combine(output, "copy");
        var tarGz = Path.Combine(output, "data.tar.gz");
        var script = ChangeScript + "\n" + PodmanReplayListing.Script;
        var signal = sandbox.CreateDirectory("signal");
        var name = "archive-overlay-replay-" + Guid.NewGuid().ToString("N");
        sandbox.ClearHookRecords();

        var stopwatch = Stopwatch.StartNew();
        var running = Task.Run(() => sandbox.Run(
        [
            "run", "--rm", "--name", name, "--cap-add", "MKNOD", "--cap-add", "SYS_ADMIN",
            "--volume", $"{signal}:/signal",
            "--env", $"WIDE_ENTRIES={(UsesFuseOverlayfs ? 10_000 : 100_000)}",
            "--mount", $"type=image,source={DataImage},destination=/data,rw=true",
            .. PodmanSandbox.CopyAndTarGzAnnotations("/data", copy, tarGz),
            BusyboxImage, "sh", "-c", script, "sh", "/data",
        ]));
        BindSocketsWhenReady(sandbox, name, signal, running);
        var run = running.GetAwaiter().GetResult();
        stopwatch.Stop();

        return new State(
            sandbox,
            run,
            stopwatch.Elapsed,
            sandbox.DescribeHookRuns(),
            sandbox.HookExitCodes,
            sandbox.HookLog,
            sandbox.HookStdout,
            sandbox.UpperDirOverlayXattrs,
            copy,
            tarGz);
    }

    // The container waits for /signal/go; whatever happens here, it is told to go on, and a
    // socket that is missing then shows as a difference in the listings.
    private static void BindSocketsWhenReady(
        PodmanSandbox sandbox,
        string container,
        string signal,
        Task<CommandResult> running)
    {
        try
        {
            var deadline = Stopwatch.StartNew();
            while (!File.Exists(Path.Combine(signal, "ready")))
            {
                if (running.IsCompleted || deadline.Elapsed > TimeSpan.FromSeconds(90))
                {
                    throw new InvalidOperationException(
                        $"the container did not create {signal}/ready\n"
                            + (running.IsCompleted ? running.Result.ToString() : "(still running)"));
                }
                Thread.Sleep(100);
            }
            var pid = sandbox.Run("inspect", "--format", "{{.State.Pid}}", container).Stdout.Trim();
            foreach (var socket in new[] { "socket", "socket-over-file" })
            {
                // /proc/PID/root is the container's root, in its own mount namespace: the socket
                // is made through the container's overlay mount, as one it bound would be. Python
                // binds it and leaves the file when it exits (.NET would remove it on Dispose).
                var path = $"/proc/{pid}/root/data/{socket}";
                CommandResult.RunChecked(
                    "python3", "-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", path);
                if (!FileStatusIsSocket(path))
                {
                    throw new InvalidOperationException($"binding '{path}' made no socket there");
                }
            }
        }
        finally
        {
            File.WriteAllText(Path.Combine(signal, "go"), "");
        }
    }

    private static bool FileStatusIsSocket(string path) =>
        CommandResult.RunChecked("stat", "-c", "%F", path).Stdout.Trim() == "socket";

    // The data image, owned by 0:0 and mode 0644 or 0755 unless noted:
    //   keep.txt  append.txt  gone.txt  chmod.txt  chown.txt  touch.txt  truncated.txt
    //   rename-me.txt  socket-over-file
    //   owned.txt            0640, 1000:1000
    //   xattr.txt            user.note=hello
    //   hard1  hard2         one inode, two names
    //   swap                 a file
    //   rel-link             -> dir/nested/n.txt
    //   abs-link             -> /etc/passwd
    //   dir/nested/n.txt
    //   dir/nested/deep/file
    //   olddir/inner.txt  olddir/x/y
    //   recreate/r.txt
    //   movedir/m.txt  movedir/sub/s.txt
    //   swapdir/in.txt
    //   emptydir/
    private static string CreateDataTree(PodmanSandbox sandbox)
    {
        var root = sandbox.CreateDirectory("data-image");
        foreach (var directory in new[]
        {
            "dir/nested/deep", "olddir/x", "recreate", "movedir/sub", "swapdir", "emptydir",
        })
        {
            Directory.CreateDirectory(Path.Combine(root, directory));
        }
        foreach (var file in new[]
        {
            "keep.txt", "append.txt", "gone.txt", "chmod.txt", "chown.txt", "touch.txt",
            "truncated.txt", "rename-me.txt", "owned.txt", "xattr.txt", "hard1", "swap",
            "socket-over-file",
            "dir/nested/n.txt", "dir/nested/deep/file", "olddir/inner.txt", "olddir/x/y",
            "recreate/r.txt", "movedir/m.txt", "movedir/sub/s.txt", "swapdir/in.txt",
        })
        {
            File.WriteAllText(Path.Combine(root, file), file + "\n");
        }
        File.CreateSymbolicLink(Path.Combine(root, "rel-link"), "dir/nested/n.txt");
        File.CreateSymbolicLink(Path.Combine(root, "abs-link"), "/etc/passwd");

        var owned = Path.Combine(root, "owned.txt");
        File.SetUnixFileMode(
            owned,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        CommandResult.RunChecked("chown", "1000:1000", owned);
        CommandResult.RunChecked(
            "setfattr", "-n", "user.note", "-v", "hello", Path.Combine(root, "xattr.txt"));
        CommandResult.RunChecked(
            "ln", Path.Combine(root, "hard1"), Path.Combine(root, "hard2"));
        return root;
    }

    private sealed record State(
        PodmanSandbox Sandbox,
        CommandResult ContainerRun,
        TimeSpan ContainerRunTime,
        string HookRuns,
        IReadOnlyList<int> HookExitCodes,
        string HookLog,
        string HookStdout,
        string UpperDirOverlayXattrs,
        string CopyArchive,
        string TarGzArchive);
}

/// <summary>The replay fixture with podman's default mount program, kernel overlayfs.</summary>
[SupportedOSPlatform("linux")]
public sealed class PodmanReplayKernelOverlayFixture : PodmanReplayFixture
{
    public PodmanReplayKernelOverlayFixture()
        : base(useFuseOverlayfs: false)
    {
    }
}

/// <summary>
/// The replay fixture with kernel overlayfs, its mount made with redirect_dir and metacopy on.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class PodmanReplayRedirectMetacopyFixture : PodmanReplayFixture
{
    public PodmanReplayRedirectMetacopyFixture()
        : base(useFuseOverlayfs: false, redirectAndMetacopy: true)
    {
    }
}

/// <summary>The replay fixture with fuse-overlayfs as podman's mount program.</summary>
[SupportedOSPlatform("linux")]
public sealed class PodmanReplayFuseOverlayfsFixture : PodmanReplayFixture
{
    public PodmanReplayFuseOverlayfsFixture()
        : base(useFuseOverlayfs: true)
    {
    }
}
