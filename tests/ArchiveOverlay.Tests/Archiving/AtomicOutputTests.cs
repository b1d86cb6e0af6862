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

    private void Run(ArchiveMethod method, string target, string? success = null)
    {
        var request = new ArchiveRequest("a", "/data", target, success, method, null);
        ArchiveJob.Run(request, new OverlayMount("/data", _temp.Combine("upper"), []));
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

        Assert.Equal($"archive-to '{target}' already exists and is not empty; it is left as it is", error.Message);
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
}
