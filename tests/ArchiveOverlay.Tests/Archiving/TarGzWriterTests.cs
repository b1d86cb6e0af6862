using ArchiveOverlay.Archiving;
using ArchiveOverlay.Oci;
using ArchiveOverlay.Overlay;
using ArchiveOverlay.Tests.Support;

namespace ArchiveOverlay.Tests.Archiving;

public sealed class TarGzWriterTests : IDisposable
{
    private readonly OverlayFixture _overlay = new();

    public void Dispose() => _overlay.Dispose();

    // lower/                       changes through the mount:
    //   keep.txt                     untouched
    //   change.txt                   appended to
    //   gone.txt                     deleted          -> whiteout
    //   olddir/inner.txt             dir recreated    -> opaque olddir/ with fresh.txt
    //   sub/a.txt                    untouched
    //                                added.txt, link -> /etc/shadow, newdir/n.txt
    private void ArrangeTypicalChanges()
    {
        File.WriteAllText(Path.Combine(_overlay.Lower, "keep.txt"), "keep\n");
        File.WriteAllText(Path.Combine(_overlay.Lower, "change.txt"), "old\n");
        File.WriteAllText(Path.Combine(_overlay.Lower, "gone.txt"), "gone\n");
        Directory.CreateDirectory(Path.Combine(_overlay.Lower, "olddir"));
        File.WriteAllText(Path.Combine(_overlay.Lower, "olddir", "inner.txt"), "inner\n");
        Directory.CreateDirectory(Path.Combine(_overlay.Lower, "sub"));
        File.WriteAllText(Path.Combine(_overlay.Lower, "sub", "a.txt"), "a\n");
        _overlay.Mount();
        _overlay.Shell(
            "echo added > added.txt && echo more >> change.txt && rm gone.txt && rm -rf olddir && "
            + "mkdir olddir && echo fresh > olddir/fresh.txt && ln -s /etc/shadow link && "
            + "mkdir newdir && echo n > newdir/n.txt");
        _overlay.Unmount();
    }

    private string Archive(ContentOwner? owner = null)
    {
        var target = Path.Combine(_overlay.Scratch("out"), "data.tar.gz");
        var request = new ArchiveRequest("t", "/data", target, null, ArchiveMethod.TarGz, owner);
        ArchiveJob.Run(request, new OverlayMount("/data", _overlay.Upper, [_overlay.Lower]));
        return target;
    }

    [RootFact]
    public void ArchiveHoldsExactlyTheUpperDirEntriesInOverlayTerms()
    {
        ArrangeTypicalChanges();

        var archive = Archive();

        string[] expected =
        [
            "./", "./added.txt", "./change.txt", "./gone.txt", "./link", "./newdir/", "./newdir/n.txt",
            "./olddir/", "./olddir/fresh.txt",
        ];
        Assert.Equal(expected, TarListing.NamesWithGnuTar(archive));
        var members = TarListing.ReadWithPython(archive).ToDictionary(m => m.Name);
        Assert.Equal('3', members["./gone.txt"].Type);
        Assert.Equal((0, 0), (members["./gone.txt"].DeviceMajor, members["./gone.txt"].DeviceMinor));
        Assert.Equal('2', members["./link"].Type);
        Assert.Equal("/etc/shadow", members["./link"].LinkName);
        Assert.Equal(TarListing.Hex("y"), members["./olddir"].XattrsHex[TarListing.Hex("trusted.overlay.opaque")]);
        Assert.Equal(TarListing.Hex("old\nmore\n"), members["./change.txt"].ContentHex);
        Assert.Equal(TarListing.Hex("fresh\n"), members["./olddir/fresh.txt"].ContentHex);
        Assert.All(members.Values, m => Assert.DoesNotContain(
            m.XattrsHex.Keys,
            k => k.StartsWith(TarListing.Hex("trusted.overlay.origin"), StringComparison.Ordinal)));
    }

    [RootFact]
    public void ContentOwnerIsWrittenIntoEveryEntryWithoutNames()
    {
        ArrangeTypicalChanges();

        var archive = Archive(new ContentOwner(2000, 3000));

        var members = TarListing.ReadWithPython(archive);
        Assert.Equal(9, members.Count);
        Assert.All(members, m => Assert.Equal((2000L, 3000L, "", ""), (m.Uid, m.Gid, m.UserName, m.GroupName)));
    }

    [RootFact]
    public void OwnerWithoutGroupKeepsEachEntrysGroup()
    {
        _overlay.Mount();
        _overlay.Shell("echo a > a && chown 5:6 a");
        _overlay.Unmount();

        var archive = Archive(new ContentOwner(2000, null));

        var member = TarListing.ReadWithPython(archive).Single(m => m.Name == "./a");
        Assert.Equal((2000L, 6L), (member.Uid, member.Gid));
    }

    [RootFact]
    public void GnuTarRestoresWhiteoutsOpaqueDirectoriesAndModes()
    {
        ArrangeTypicalChanges();
        File.SetUnixFileMode(Path.Combine(_overlay.Upper, "added.txt"), (UnixFileMode)0x9ED);
        var archive = Archive();
        var restored = _overlay.Scratch("restored");

        ExternalTool.Run(
            "tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "--same-permissions", "-xzf", archive,
            "-C", restored);

        var gone = ExternalTool.Run("stat", "-c", "%F %t %T", Path.Combine(restored, "gone.txt")).Trim();
        Assert.Equal("character special file 0 0", gone);
        var opaque = ExternalTool.Run(
            "getfattr", "--only-values", "-n", "trusted.overlay.opaque", Path.Combine(restored, "olddir"));
        Assert.Equal("y", opaque);
        var mode = ExternalTool.Run("stat", "-c", "%a", Path.Combine(restored, "added.txt")).Trim();
        Assert.Equal("4755", mode);
    }

    [RootFact]
    public void HardLinksAreStoredOnceAndWhiteoutsNeverBecomeLinks()
    {
        File.WriteAllText(Path.Combine(_overlay.Lower, "x"), "x");
        File.WriteAllText(Path.Combine(_overlay.Lower, "y"), "y");
        _overlay.Mount();
        _overlay.Shell("echo body > one && ln one two && rm x y");
        _overlay.Unmount();

        var archive = Archive();

        var members = TarListing.ReadWithPython(archive).ToDictionary(m => m.Name);
        Assert.Equal('0', members["./one"].Type);
        Assert.Equal(('1', "./one"), (members["./two"].Type, members["./two"].LinkName));
        Assert.Equal('3', members["./x"].Type);
        Assert.Equal('3', members["./y"].Type);
    }

    [RootFact]
    public void SparseFileKeepsItsHolesAndItsBytes()
    {
        _overlay.Mount();
        _overlay.Shell("truncate -s 1G big && printf head | dd of=big conv=notrunc 2>/dev/null "
            + "&& printf tail >> big && truncate -s 2G big");
        _overlay.Unmount();

        var archive = Archive();

        Assert.True(new FileInfo(archive).Length < 64 * 1024, "a sparse file must not be stored densely");
        var restored = _overlay.Scratch("restored");
        ExternalTool.Run("tar", "-xzf", archive, "-C", restored);
        var big = Path.Combine(restored, "big");
        Assert.Equal(2L << 30, new FileInfo(big).Length);
        var head = ExternalTool.Run("head", "-c", "4", big);
        Assert.Equal("head", head);
        var tail = ExternalTool.Run("sh", "-c", $"tail -c +{(1L << 30) + 1} '{big}' | head -c 4");
        Assert.Equal("tail", tail);
    }
}
