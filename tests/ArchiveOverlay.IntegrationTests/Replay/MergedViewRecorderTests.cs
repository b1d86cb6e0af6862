using Xunit;

namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>
/// The recorder must notice every kind of change the replay tests rely on, and must not report
/// differences a reader cannot see (where holes lie). Each test records an upperdir mounted over
/// a lower layer, changes the upperdir directly, and records again.
/// <code>
/// lower2: lower-file
/// upper:  file (user.a), link -> file, sparse (1 GiB, "x" at 0), a = b (hard links), dir/
/// </code>
/// </summary>
public sealed class MergedViewRecorderTests : IDisposable
{
    private readonly ReplayWorkspace _replay = new();

    public MergedViewRecorderTests()
    {
        ReplayWorkspace.RunScript(_replay.LowerBottom, "echo lower > lower-file");
        ReplayWorkspace.RunScript(_replay.Upper, """
            echo content > file
            setfattr -n user.a -v 1 file
            ln -s file link
            truncate -s 1G sparse
            printf x | dd of=sparse conv=notrunc status=none
            echo a > a
            ln a b
            mkdir dir
            """);
    }

    public void Dispose() => _replay.Dispose();

    [RootTheory]
    [InlineData("chmod 600 file", "./file: mode 0644 != 0600")]
    [InlineData("chown -h 5:6 link", "./link: owner 0:0 != 5:6")]
    [InlineData("touch -d '2001-01-01 00:00:00.000000001 UTC' file", "./file: mtime ")]
    [InlineData("setfattr -x user.a file", "./file: xattr user.a 0x31 != (none)")]
    [InlineData("setfattr -n user.a -v 2 file", "./file: xattr user.a 0x31 != 0x32")]
    [InlineData("echo contenT > file", "./file: content ")]
    [InlineData(
        "printf y | dd of=sparse bs=1 seek=999999999 conv=notrunc status=none",
        "./sparse: content ")]
    [InlineData("truncate -s 2G sparse", "./sparse: size 1073741824 != 2147483648")]
    [InlineData("rm link && ln -s other link", "./link: target file != other")]
    [InlineData("rm b && echo a > b", "./a: hard-link-group ./a != (none)")]
    [InlineData("mknod lower-file c 0 0", "./lower-file: missing after replay (was file)")]
    [InlineData("mkdir new", "./new: only after replay (directory)")]
    public void RecorderReportsAChange(string change, string expectedStart)
    {
        var before = _replay.RecordReplayedView(_replay.Upper);
        ReplayWorkspace.RunScript(_replay.Upper, change);

        var after = _replay.RecordReplayedView(_replay.Upper);

        Assert.Contains(
            MergedView.Differences(before, after),
            line => line.StartsWith(expectedStart, StringComparison.Ordinal));
    }

    [RootFact]
    public void FilledHolesAndFreshInodesAreNoDifference()
    {
        var before = _replay.RecordReplayedView(_replay.Upper);
        ReplayWorkspace.RunScript(_replay.Upper, """
            root=$(stat -c %y .)
            sparse=$(stat -c %y sparse)
            dd if=/dev/zero of=sparse bs=1M seek=1 count=4 conv=notrunc status=none
            touch -d "$sparse" sparse
            cp -a file file.new
            mv file.new file
            touch -d "$root" .
            """);

        var after = _replay.RecordReplayedView(_replay.Upper);

        Assert.Empty(MergedView.Differences(before, after));
    }
}
