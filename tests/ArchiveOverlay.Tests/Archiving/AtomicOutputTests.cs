using ArchiveOverlay.Archiving;
using ArchiveOverlay.Oci;
using ArchiveOverlay.Overlay;
using ArchiveOverlay.Tests.Support;

namespace ArchiveOverlay.Tests.Archiving;

public sealed class AtomicOutputTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public AtomicOutputTests()
    {
        Directory.CreateDirectory(_temp.Combine("upper", "dir"));
        File.WriteAllText(_temp.Combine("upper", "dir", "file"), "content");
    }

    public void Dispose() => _temp.Dispose();

    private void Run(
        ArchiveMethod method,
        string target,
        string? success = null,
        RunOutputs? outputs = null,
        string name = "a")
    {
        var request = new ArchiveRequest(name, "/data", target, success, method, null);
        var mount = new OverlayMount("/data", _temp.Combine("upper"), []);
        if (outputs is null)
        {
            ArchiveJob.Run(request, mount);
        }
        else
        {
            ArchiveJob.Run(request, mount, outputs);
        }
    }

    private static string[] Leftovers(string directory) =>
        Directory.GetFileSystemEntries(directory, AtomicOutput.TempPrefix + "*");

    [Theory]
    [InlineData(ArchiveMethod.Copy)]
    [InlineData(ArchiveMethod.TarGz)]
    public void NonEmptyTargetIsLeftUntouchedAndTheArchiveFails(ArchiveMethod method)
    {
        var target = _temp.Combine("out", "target");
        Directory.CreateDirectory(_temp.Combine("out"));
        File.WriteAllText(target, "precious");

        var error = Assert.Throws<IOException>(() => Run(method, target, _temp.Combine("out", "ok")));

        var expected = method == ArchiveMethod.Copy ? "an empty directory" : "an empty file";
        Assert.Equal(
            $"archive-to '{target}' already exists and is a file that is not empty (only {expected} may be replaced); "
                + "it is left as it is",
            error.Message);
        Assert.Equal("precious", File.ReadAllText(target));
        Assert.False(File.Exists(_temp.Combine("out", "ok")));
        Assert.Empty(Leftovers(_temp.Combine("out")));
    }

    [Fact]
    public void EmptyTargetDirectoryIsReplacedByTheCopy()
    {
        var target = _temp.Combine("out", "copy");
        Directory.CreateDirectory(target);

        Run(ArchiveMethod.Copy, target);

        Assert.Equal("content", File.ReadAllText(Path.Combine(target, "dir", "file")));
    }

    [Fact]
    public void EmptyTargetFileIsReplacedByTheTar()
    {
        var target = _temp.Combine("out", "a.tar.gz");
        Directory.CreateDirectory(_temp.Combine("out"));
        File.WriteAllBytes(target, []);

        Run(ArchiveMethod.TarGz, target);

        Assert.Contains("./dir/file", TarListing.NamesWithGnuTar(target));
    }

    // Another writer fills the empty file while the archive is written: the archive is swapped in,
    // seen to have displaced content, and swapped back out.
    [Fact]
    public void EmptyTargetFileFilledWhileArchivingIsLeftToItsWriter()
    {
        var target = _temp.Combine("out", "a.tar.gz");
        Directory.CreateDirectory(_temp.Combine("out"));
        File.WriteAllBytes(target, []);
        using var outputs = new RunOutputs();
        using (var output = AtomicOutput.Create(target, isDirectory: false, outputs, []))
        {
            using (var file = new FileStream(output.CreateFile(), FileAccess.Write))
            {
                file.Write("mine"u8);
            }
            File.WriteAllText(target, "theirs");

            var error = Assert.Throws<IOException>(() => output.Commit());

            Assert.Equal(
                $"archive-to '{target}' was written by someone else while archiving; it is left as it is",
                error.Message);
        }
        Assert.Equal("theirs", File.ReadAllText(target));
        Assert.Empty(Leftovers(_temp.Combine("out")));
    }

    [RootTheory]
    [InlineData(ArchiveMethod.Copy)]
    [InlineData(ArchiveMethod.TarGz)]
    public void FullFileSystemFailsTheArchiveNamingWhereAndLeavesNothing(ArchiveMethod method)
    {
        var big = System.Security.Cryptography.RandomNumberGenerator.GetBytes(1 << 20);
        File.WriteAllBytes(_temp.Combine("upper", "big"), big);
        var out_ = _temp.Combine("out");
        using var tmpfs = new SmallTmpfs(out_, "size=256k");
        var target = Path.Combine(out_, "archive");

        var error = Assert.Throws<IOException>(() => Run(method, target, Path.Combine(out_, "ok")));

        var message = ArchiveOverlay.Logging.Log.Describe(error);
        Assert.StartsWith($"write '{out_}/{AtomicOutput.TempPrefix}archive-", message, StringComparison.Ordinal);
        Assert.EndsWith("': No space left on device", message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(out_));
    }

    [RootFact]
    public void CopyOutOfInodesNamesTheTemporary()
    {
        for (var i = 0; i < 40; i++)
        {
            File.WriteAllText(_temp.Combine("upper", $"f{i}"), "x");
        }
        var out_ = _temp.Combine("out");
        using var tmpfs = new SmallTmpfs(out_, "size=1m,nr_inodes=20");

        var error = Assert.Throws<IOException>(() => Run(ArchiveMethod.Copy, Path.Combine(out_, "copy")));

        var message = ArchiveOverlay.Logging.Log.Describe(error);
        Assert.StartsWith($"write '{out_}/{AtomicOutput.TempPrefix}copy-", message, StringComparison.Ordinal);
        Assert.EndsWith(": No space left on device", message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(out_));
    }

    // The root is held from the start of the run: a symlink put in its place later leads nowhere.
    [Fact]
    public void OutputRootSwappedForASymlinkDuringTheRunIsStillTheOneOpenedAtItsStart()
    {
        var root = _temp.Combine("root");
        var outside = _temp.Combine("outside");
        Directory.CreateDirectory(root);
        Directory.CreateDirectory(outside);
        using var outputs = new RunOutputs([root]);
        Directory.Move(root, _temp.Combine("root-moved"));
        File.CreateSymbolicLink(root, outside);

        Run(ArchiveMethod.TarGz, Path.Combine(root, "d", "a.tgz"), Path.Combine(root, "d", "a.ok"), outputs);

        Assert.Empty(Directory.GetFileSystemEntries(outside));
        Assert.Equal(
            ["a.ok", "a.tgz"],
            Directory.GetFileSystemEntries(_temp.Combine("root-moved", "d")).Select(Path.GetFileName).Order());
    }

    [RootFact]
    public void MountBelowAnOutputRootIsNotEntered()
    {
        var root = _temp.Combine("root");
        var outside = _temp.Combine("outside");
        Directory.CreateDirectory(Path.Combine(root, "mounted"));
        Directory.CreateDirectory(outside);
        ExternalTool.Run("mount", "--bind", outside, Path.Combine(root, "mounted"));
        try
        {
            using var outputs = new RunOutputs([root]);
            var target = Path.Combine(root, "mounted", "d", "a.tgz");

            var error = Assert.Throws<IOException>(() => Run(ArchiveMethod.TarGz, target, outputs: outputs));

            Assert.Equal(
                $"archive-to '{target}': '{Path.Combine(root, "mounted")}' is a mount point, and below an "
                    + "output root no mount is entered",
                error.Message);
            Assert.Empty(Directory.GetFileSystemEntries(outside));
        }
        finally
        {
            ExternalTool.Run("umount", Path.Combine(root, "mounted"));
        }
    }

    [Fact]
    public void OutputRootMissingAtTheStartOfTheRunAdmitsNothingWhenItAppears()
    {
        var root = _temp.Combine("root");
        using var outputs = new RunOutputs([root]);
        Directory.CreateDirectory(root);
        var target = Path.Combine(root, "a.tgz");

        var error = Assert.Throws<IOException>(() => Run(ArchiveMethod.TarGz, target, outputs: outputs));

        Assert.Equal(
            $"archive-to '{target}' does not lie below an output root ({root}; not an existing directory: {root})",
            error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(root));
    }

    [Fact]
    public void MissingParentDirectoriesAreCreatedForRootAlone()
    {
        var target = _temp.Combine("out", "deep", "a.tar.gz");
        var success = _temp.Combine("flags", "done");

        Run(ArchiveMethod.TarGz, target, success);

        foreach (var created in new[] { _temp.Combine("out"), _temp.Combine("out", "deep"), _temp.Combine("flags") })
        {
            Assert.Equal(
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
                File.GetUnixFileMode(created));
        }
    }

    [Fact]
    public void TargetThatIsTheUpperDirItselfIsRefused()
    {
        var upper = _temp.Combine("upper");

        var error = Assert.Throws<IOException>(() => Run(ArchiveMethod.Copy, upper));

        Assert.Equal($"archive-to '{upper}' lies inside the upperdir", error.Message);
        Assert.Equal("content", File.ReadAllText(_temp.Combine("upper", "dir", "file")));
    }

    [Fact]
    public void TargetInsideAnotherMountsUpperDirIsRefused()
    {
        var otherUpper = _temp.Combine("other-upper");
        Directory.CreateDirectory(otherUpper);
        using var outputs = new RunOutputs();
        outputs.ForbidInside(otherUpper, $"the upperdir '{otherUpper}'");
        var target = Path.Combine(otherUpper, "a.tgz");

        var error = Assert.Throws<IOException>(() => Run(ArchiveMethod.TarGz, target, outputs: outputs));

        Assert.Equal($"archive-to '{target}' lies inside the upperdir '{otherUpper}'", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(otherUpper));
    }

    [Fact]
    public void UpperDirNamedThroughASymlinkIsForbiddenAsTheDirectoryItNames()
    {
        var otherUpper = _temp.Combine("other-upper");
        Directory.CreateDirectory(otherUpper);
        File.CreateSymbolicLink(_temp.Combine("upper-link"), otherUpper);
        using var outputs = new RunOutputs();
        outputs.ForbidInside(_temp.Combine("upper-link"), "the other upperdir");
        var target = Path.Combine(otherUpper, "a.tgz");

        var error = Assert.Throws<IOException>(() => Run(ArchiveMethod.TarGz, target, outputs: outputs));

        Assert.Equal($"archive-to '{target}' lies inside the other upperdir", error.Message);
    }

    // The second archive reaches the first one's success file through a symlinked directory,
    // where no comparison of paths can see it.
    [Fact]
    public void EmptyFileThisRunWroteIsNotReplacedByALaterArchive()
    {
        Directory.CreateDirectory(_temp.Combine("out", "real"));
        File.CreateSymbolicLink(_temp.Combine("out", "link"), _temp.Combine("out", "real"));
        var success = _temp.Combine("out", "real", "ok");
        using var outputs = new RunOutputs();
        Run(ArchiveMethod.Copy, _temp.Combine("out", "copy"), success, outputs);
        var sameFile = _temp.Combine("out", "link", "ok");

        var error = Assert.Throws<IOException>(() => Run(ArchiveMethod.TarGz, sameFile, outputs: outputs, name: "b"));

        Assert.Equal(
            $"archive-to '{sameFile}' is the success file of archive 'a', written by this run; it is left as it is",
            error.Message);
        Assert.Equal(0, new FileInfo(success).Length);
    }

    [Fact]
    public void OutputInsideACopyThisRunWroteIsRefused()
    {
        using var outputs = new RunOutputs();
        var copy = _temp.Combine("out", "copy");
        Run(ArchiveMethod.Copy, copy, outputs: outputs);
        var inside = Path.Combine(copy, "dir", "b.tgz");

        var error = Assert.Throws<IOException>(() => Run(ArchiveMethod.TarGz, inside, outputs: outputs, name: "b"));

        Assert.Equal($"archive-to '{inside}' lies inside archive 'a'", error.Message);
        Assert.False(File.Exists(inside));
    }

    [Fact]
    public void MissingParentDirectoriesAreCreatedAndSuccessFollowsTheArchive()
    {
        var target = _temp.Combine("out", "deep", "er", "a.tar.gz");
        var success = _temp.Combine("flags", "done");

        Run(ArchiveMethod.TarGz, target, success);

        Assert.True(File.Exists(target));
        Assert.Equal(0, new FileInfo(success).Length);
        Assert.True(File.GetLastWriteTimeUtc(success) >= File.GetLastWriteTimeUtc(target));
    }

    [Theory]
    [InlineData(ArchiveMethod.Copy)]
    [InlineData(ArchiveMethod.TarGz)]
    public void TargetInsideTheUpperDirFailsAndLeavesNothingBehind(ArchiveMethod method)
    {
        var target = _temp.Combine("upper", "dir", "inside");

        var error = Assert.Throws<IOException>(() => Run(method, target));

        Assert.Equal($"archive-to '{target}' lies inside the upperdir", error.Message);
        Assert.Empty(Leftovers(_temp.Combine("upper", "dir")));
        Assert.False(Path.Exists(target));
    }

    [Fact]
    public void ExistingSuccessFileWithContentIsNeverTruncated()
    {
        var success = _temp.Combine("flags", "ok");
        Directory.CreateDirectory(_temp.Combine("flags"));
        File.WriteAllText(success, "precious");

        var error = Assert.Throws<IOException>(() => Run(ArchiveMethod.TarGz, _temp.Combine("out", "a.tgz"), success));

        Assert.Equal($"success path '{success}' exists and is not an empty file; it is left as it is", error.Message);
        Assert.Equal("precious", File.ReadAllText(success));
    }

    [Fact]
    public void SuccessPathThatIsAFifoDoesNotBlock()
    {
        var success = _temp.Combine("flags", "ok");
        Directory.CreateDirectory(_temp.Combine("flags"));
        ExternalTool.Run("mkfifo", success);

        Assert.Throws<IOException>(() => Run(ArchiveMethod.TarGz, _temp.Combine("out", "a.tgz"), success));

        Assert.Equal("fifo", ExternalTool.Run("stat", "-c", "%F", success).Trim());
    }

    [Fact]
    public void EmptySuccessFileAlreadyThereIsTakenAsItIs()
    {
        var success = _temp.Combine("flags", "ok");
        Directory.CreateDirectory(_temp.Combine("flags"));
        File.WriteAllBytes(success, []);

        Run(ArchiveMethod.TarGz, _temp.Combine("out", "a.tgz"), success);

        Assert.True(File.Exists(_temp.Combine("out", "a.tgz")));
    }

    [Theory]
    [InlineData("archive-to")]
    [InlineData("success")]
    public void PathsLeadingIntoTheUpperDirThroughASymlinkAreRefusedBeforeAnythingIsCreated(string field)
    {
        Directory.CreateDirectory(_temp.Combine("out"));
        File.CreateSymbolicLink(_temp.Combine("out", "link"), _temp.Combine("upper", "dir"));
        var inside = _temp.Combine("out", "link", "planted", "deeper", "x");
        var target = field == "archive-to" ? inside : _temp.Combine("out", "a.tgz");

        var error = Assert.Throws<IOException>(
            () => Run(ArchiveMethod.TarGz, target, field == "success" ? inside : null));

        Assert.Equal($"{field} '{inside}' lies inside the upperdir", error.Message);
        Assert.False(Directory.Exists(_temp.Combine("upper", "dir", "planted")));
        Assert.False(File.Exists(_temp.Combine("out", "a.tgz")));
    }

    [Fact]
    public void SuccessPathInsideTheCopyThroughASymlinkIsRefused()
    {
        Directory.CreateDirectory(_temp.Combine("out", "real"));
        File.CreateSymbolicLink(_temp.Combine("out", "link"), _temp.Combine("out", "real"));
        var target = _temp.Combine("out", "real", "copy");
        var success = _temp.Combine("out", "link", "copy", "dir", "file");

        var error = Assert.Throws<IOException>(() => Run(ArchiveMethod.Copy, target, success));

        Assert.Equal($"success '{success}' lies inside the archive", error.Message);
        Assert.Equal("content", File.ReadAllText(Path.Combine(target, "dir", "file")));
    }

    [Fact]
    public void RefusedTargetLeavesTheEarlierSuccessFileWithItsArchive()
    {
        var target = _temp.Combine("out", "a.tar.gz");
        var success = _temp.Combine("out", "ok");
        Directory.CreateDirectory(_temp.Combine("out"));
        File.WriteAllText(target, "earlier archive");
        File.WriteAllText(success, "");

        Assert.Throws<IOException>(() => Run(ArchiveMethod.TarGz, target, success));

        Assert.True(File.Exists(success));
        Assert.Equal("earlier archive", File.ReadAllText(target));
    }

    // A tmpfs with the given limits at a new directory, unmounted on dispose.
    private sealed class SmallTmpfs : IDisposable
    {
        private readonly string _mountPoint;

        public SmallTmpfs(string mountPoint, string options)
        {
            _mountPoint = mountPoint;
            Directory.CreateDirectory(mountPoint);
            ExternalTool.Run("mount", "-t", "tmpfs", "-o", options, "archive-overlay-test", mountPoint);
        }

        public void Dispose() => ExternalTool.Run("umount", _mountPoint);
    }
}
