using System.Runtime.Versioning;
using System.Text.Json;
using Xunit;

namespace ArchiveOverlay.IntegrationTests.Podman;

/// <summary>
/// Runs real containers with podman and a hooks configuration like the installed one, then reads
/// back what the hook archived from the image mount's upperdir.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class PodmanEndToEndTests : IClassFixture<PodmanEndToEndTests.SandboxFixture>
{
    private const string BusyboxImage = "localhost/archive-overlay-busybox";
    private const string DataImage = "localhost/archive-overlay-data";
    private const string DataMount = $"type=image,source={DataImage},destination=/data,rw=true";

    // Applied to the data image below; gives a new file, a copied-up file, a whiteout, an opaque
    // directory (deleted and recreated), a symlink and a brand-new directory.
    private const string ChangeScript = """
        set -e
        echo added > /data/added.txt
        echo changed > /data/change.txt
        rm /data/gone.txt
        rm -rf /data/olddir && mkdir /data/olddir && echo new > /data/olddir/fresh.txt
        ln -s /etc/shadow /data/link
        mkdir /data/newdir && echo inside > /data/newdir/file.txt
        """;

    // The upperdir after ChangeScript, as "path type detail"; the owner is appended where used.
    private static readonly string[] s_changedTree =
    [
        ". directory",
        "added.txt regular file 'added'",
        "change.txt regular file 'changed'",
        "gone.txt character special file 0,0",
        "link symbolic link -> /etc/shadow",
        "newdir directory",
        "newdir/file.txt regular file 'inside'",
        "olddir directory",
        "olddir/fresh.txt regular file 'new'",
    ];

    // Overlay bookkeeping (origin, impure) is dropped: only the opaque marker is left.
    private static readonly string[] s_changedTreeXattrs = ["olddir trusted.overlay.opaque=\"y\""];

    // GNU tar's verbose listing: type letter, name, then size, device numbers or link target.
    private static readonly string[] s_changedTarListing =
    [
        "d ./",
        "- ./added.txt 6",
        "- ./change.txt 8",
        "c ./gone.txt 0,0",
        "l ./link -> /etc/shadow",
        "d ./newdir/",
        "- ./newdir/file.txt 7",
        "d ./olddir/",
        "- ./olddir/fresh.txt 4",
    ];

    private const string PythonTarMembers = """
        import json, sys, tarfile
        with tarfile.open(sys.argv[1], "r:gz") as archive:
            print(json.dumps([
                [m.name, m.uid, m.gid, m.uname, m.gname,
                 m.pax_headers.get("SCHILY.xattr.trusted.overlay.opaque")]
                for m in archive.getmembers()]))
        """;

    private readonly SandboxFixture _fixture;

    public PodmanEndToEndTests(SandboxFixture fixture)
    {
        _fixture = fixture;
    }

    private PodmanSandbox Sandbox => _fixture.Sandbox;

    [RootFact]
    public void ContainerChangesAreArchivedAsCopyAndTarGz()
    {
        Sandbox.ClearHookRecords();
        var output = Sandbox.CreateDirectory("changes");
        var copy = Path.Combine(output, "copy");
        var tarGz = Path.Combine(output, "data.tar.gz");

        Sandbox.Run(
        [
            "run", "--rm", "--mount", DataMount,
            .. PodmanSandbox.CopyAndTarGzAnnotations("/data", copy, tarGz),
            .. PodmanSandbox.Annotation("t", "tar-content-owner", "2000:3000"),
            BusyboxImage, "sh", "-c", ChangeScript,
        ]);

        AssertHookRanOnceAndSucceeded();
        AssertSetEqual(
            ["copy", "copy.ok", "data.tar.gz", "tar.ok"],
            Directory.EnumerateFileSystemEntries(output).Select(path => Path.GetFileName(path)),
            "archive outputs");
        AssertSetEqual(s_changedTree.Select(entry => entry + " 0:0"), DescribeTree(copy), "copy");
        AssertSetEqual(s_changedTreeXattrs, DescribeXattrs(copy), "copy xattrs");
        AssertTarListing(tarGz);
        AssertTarExtraction(tarGz, Sandbox.CreateDirectory("changes-extracted"));
        AssertTarMembersWithPython(tarGz);
    }

    [RootFact]
    public void ContainerWithoutArchiveAnnotationsDoesNotRunTheHook()
    {
        Sandbox.ClearHookRecords();

        Sandbox.Run("run", "--rm", "--mount", DataMount, BusyboxImage, "sh", "-c", ChangeScript);

        Assert.True(
            Sandbox.HookExitCodes.Count == 0 && Sandbox.HookLog.Length == 0,
            "the hook ran for a container without archive annotations\n"
                + Sandbox.DescribeHookRuns());
    }

    [RootFact]
    public void MountPointThatIsNotAnOverlayMountIsAnErrorAndArchivesNothing()
    {
        Sandbox.ClearHookRecords();
        var output = Sandbox.CreateDirectory("not-overlay");

        Sandbox.Run(
        [
            "run", "--rm", "--mount", DataMount,
            .. PodmanSandbox.Annotation("x", "mount-point", "/notthere"),
            .. PodmanSandbox.Annotation("x", "archive-to", Path.Combine(output, "archive")),
            .. PodmanSandbox.Annotation("x", "success", Path.Combine(output, "archive.ok")),
            BusyboxImage, "sh", "-c", ChangeScript,
        ]);

        Assert.True(
            Sandbox.HookExitCodes is [not 0],
            $"expected one failed hook run\n{Sandbox.DescribeHookRuns()}");
        AssertSetEqual([], Directory.EnumerateFileSystemEntries(output), "archive outputs");
        Assert.True(
            Sandbox.HookLog.Split('\n').Any(line =>
                line.Contains("error", StringComparison.OrdinalIgnoreCase)
                && line.Contains("/notthere", StringComparison.Ordinal)),
            $"no error line names '/notthere'\n{Sandbox.DescribeHookRuns()}");
    }

    private void AssertHookRanOnceAndSucceeded()
    {
        Assert.True(
            Sandbox.HookExitCodes is [0] && Sandbox.HookStdout.Length == 0,
            $"expected one successful hook run with empty stdout\n{Sandbox.DescribeHookRuns()}");
    }

    private static void AssertTarListing(string tarGz)
    {
        var listing = CommandResult.RunChecked("tar", "--numeric-owner", "-tvzf", tarGz).Stdout;

        // "crw-r--r-- 2000/3000 0,0 2026-01-01 12:00 ./gone.txt": the sixth field runs to the end.
        var entries = listing
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .ToList();
        AssertSetEqual(s_changedTarListing, entries.Select(DescribeTarEntry), "tar listing");
        AssertSetEqual(["2000/3000"], entries.Select(fields => fields[1]), "tar entry owners");
    }

    private static void AssertTarExtraction(string tarGz, string destination)
    {
        CommandResult.RunChecked(
            "tar",
            "--xattrs",
            "--xattrs-include=*",
            "--numeric-owner",
            "-xpzf",
            tarGz,
            "-C",
            destination);

        AssertSetEqual(
            s_changedTree.Select(entry => entry + " 2000:3000"),
            DescribeTree(destination),
            "extracted tar");
        AssertSetEqual(s_changedTreeXattrs, DescribeXattrs(destination), "extracted tar xattrs");
    }

    private static void AssertTarMembersWithPython(string tarGz)
    {
        var json = CommandResult.RunChecked("python3", "-c", PythonTarMembers, tarGz).Stdout;

        // Python's tarfile drops the trailing slash of directory names.
        var members = JsonSerializer.Deserialize<JsonElement[][]>(json)!;
        AssertSetEqual(
            [
                ".", "./added.txt", "./change.txt", "./gone.txt", "./link",
                "./newdir", "./newdir/file.txt", "./olddir", "./olddir/fresh.txt",
            ],
            members.Select(member => member[0].GetString()!),
            "python tarfile names");
        AssertSetEqual(
            ["2000 3000 '' ''"],
            members.Select(member => $"{member[1]} {member[2]} '{member[3]}' '{member[4]}'"),
            "python tarfile uid, gid, uname and gname");
        AssertSetEqual(
            ["./olddir y"],
            members
                .Where(member => member[5].ValueKind != JsonValueKind.Null)
                .Select(member => $"{member[0]} {member[5]}"),
            "python tarfile SCHILY.xattr.trusted.overlay.opaque");
    }

    private static string DescribeTarEntry(string[] fields)
    {
        var type = fields[0][0] == '-' ? "-" : fields[0][..1];
        return type switch
        {
            "-" => $"- {fields[5]} {fields[2]}",
            "c" or "b" => $"{type} {fields[5]} {fields[2]}",
            _ => $"{type} {fields[5]}",
        };
    }

    // One line per entry below root: "path type detail owner", detail being the text of a file,
    // the target of a symlink or the major,minor of a device.
    private static IEnumerable<string> DescribeTree(string root)
    {
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = 0,
        };
        var paths = Directory.EnumerateFileSystemEntries(root, "*", options).Prepend(root);
        var status = CommandResult.RunChecked(
            "stat",
            ["--printf", "%n\t%F\t%t,%T\t%u:%g\n", .. paths]);

        foreach (var line in status.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split('\t');
            var path = fields[0];
            var detail = fields[1] switch
            {
                "regular file" or "regular empty file" =>
                    $" '{File.ReadAllText(path).TrimEnd('\n')}'",
                "symbolic link" => $" -> {new FileInfo(path).LinkTarget}",
                "character special file" or "block special file" => $" {fields[2]}",
                _ => "",
            };
            yield return $"{Path.GetRelativePath(root, path)} {fields[1]}{detail} {fields[3]}";
        }
    }

    // Every xattr of every entry, symlinks not followed, as "path name=\"value\"".
    private static IEnumerable<string> DescribeXattrs(string root)
    {
        var dump = CommandResult.RunChecked(
            "getfattr", "--absolute-names", "--recursive", "--physical", "--no-dereference",
            "--dump", "--match=-", root).Stdout;

        var path = root;
        foreach (var line in dump.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# file: ", StringComparison.Ordinal))
            {
                path = line["# file: ".Length..];
            }
            else
            {
                yield return $"{Path.GetRelativePath(root, path)} {line}";
            }
        }
    }

    private static void AssertSetEqual(
        IEnumerable<string> expected,
        IEnumerable<string> actual,
        string what)
    {
        var expectedSet = expected.ToHashSet(StringComparer.Ordinal);
        var actualSet = actual.ToHashSet(StringComparer.Ordinal);
        if (!expectedSet.SetEquals(actualSet))
        {
            Assert.Fail(
                $"{what} differ\n"
                    + $"expected:\n  {JoinSorted(expectedSet, "\n  ")}\n"
                    + $"actual:\n  {JoinSorted(actualSet, "\n  ")}\n"
                    + $"missing: {JoinSorted(expectedSet.Except(actualSet), ", ")}\n"
                    + $"unexpected: {JoinSorted(actualSet.Except(expectedSet), ", ")}");
        }
    }

    private static string JoinSorted(IEnumerable<string> values, string separator) =>
        string.Join(separator, values.Order(StringComparer.Ordinal));

    /// <summary>One sandbox per test class, holding the busybox and data images.</summary>
    public sealed class SandboxFixture : IDisposable
    {
        private readonly Lazy<PodmanSandbox> _sandbox = new(CreateSandbox);

        public PodmanSandbox Sandbox => _sandbox.Value;

        public void Dispose()
        {
            if (_sandbox.IsValueCreated)
            {
                _sandbox.Value.Dispose();
            }
        }

        // The data image:
        //   keep.txt        keep
        //   change.txt      old
        //   gone.txt        gone
        //   olddir/
        //     inner.txt     inner
        //   sub/
        //     a.txt         a
        private static PodmanSandbox CreateSandbox()
        {
            var sandbox = new PodmanSandbox(TestBinary.Path, useFuseOverlayfs: false);
            try
            {
                var data = sandbox.CreateDirectory("data-image");
                Directory.CreateDirectory(Path.Combine(data, "olddir"));
                Directory.CreateDirectory(Path.Combine(data, "sub"));
                File.WriteAllText(Path.Combine(data, "keep.txt"), "keep\n");
                File.WriteAllText(Path.Combine(data, "change.txt"), "old\n");
                File.WriteAllText(Path.Combine(data, "gone.txt"), "gone\n");
                File.WriteAllText(Path.Combine(data, "olddir", "inner.txt"), "inner\n");
                File.WriteAllText(Path.Combine(data, "sub", "a.txt"), "a\n");

                sandbox.ImportDataImage(DataImage, data);
                sandbox.ImportBusyboxImage(BusyboxImage);
                return sandbox;
            }
            catch
            {
                sandbox.Dispose();
                throw;
            }
        }
    }
}
