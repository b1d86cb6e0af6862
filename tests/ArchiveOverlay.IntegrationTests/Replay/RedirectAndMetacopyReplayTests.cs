using Xunit;
using Xunit.Abstractions;

namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>
/// Upperdirs that point into the lower layers: renamed directories (redirect_dir=on) and
/// metadata-only copy-ups (metacopy=on). The archive must stand on its own, so its replay is
/// mounted with default options and must still show what the container saw.
/// </summary>
public sealed class RedirectAndMetacopyReplayTests
{
    private static readonly string[] s_redirect = ["redirect_dir=on"];
    private static readonly string[] s_metacopy = ["redirect_dir=on", "metacopy=on"];

    private readonly ITestOutputHelper _output;

    public RedirectAndMetacopyReplayTests(ITestOutputHelper output)
    {
        _output = output;
    }

    /// <code>
    /// lower2: a/b/c/file, a/b/other, z/
    /// change: mv a/b/c z/c (an absolute redirect); mv a renamed; mv renamed again;
    ///         mv again/b again/b2; echo > again/b2/new
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void RenamesOfRenamedDirectoriesReplay(string method)
    {
        using var replay = new ReplayWorkspace(s_redirect);
        ReplayWorkspace.RunScript(replay.LowerBottom, """
            mkdir -p a/b/c z
            echo f > a/b/c/file
            echo o > a/b/other
            """);
        replay.ChangeThroughMount("""
            mv a/b/c z/c
            mv a renamed
            mv renamed again
            mv again/b again/b2
            echo new > again/b2/new
            """);
        ReplayAssert.UpperHas(replay, "z/c", "trusted.overlay.redirect");
        ReplayAssert.UpperHas(replay, "again/b2", "trusted.overlay.redirect");

        AssertFaithful(replay, method);
    }

    /// <code>
    /// lower2: old/keep, old/sub/gone, old/sub/stays, old/deleted/x
    /// change: mv old new; rm -rf new/sub && mkdir new/sub (opaque inside a redirect);
    ///         rm -r new/deleted; chmod 700 new; touch -d 1999 new
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void OpaqueDirectoryInsideARenamedDirectoryReplays(string method)
    {
        using var replay = new ReplayWorkspace(s_redirect);
        ReplayWorkspace.RunScript(replay.LowerBottom, """
            mkdir -p old/sub old/deleted
            echo k > old/keep
            echo g > old/sub/gone
            echo s > old/sub/stays
            echo x > old/deleted/x
            """);
        replay.ChangeThroughMount("""
            mv old new
            rm -rf new/sub
            mkdir new/sub
            echo fresh > new/sub/fresh
            rm -r new/deleted
            chmod 700 new
            touch -d '1999-12-31 23:59:59.5 UTC' new
            """);

        AssertFaithful(replay, method);
    }

    /// <code>
    /// lower2: sparse (1 TiB, data at 0 and 700 GiB)
    /// change (metacopy=on): chown 1:2 sparse (only metadata is copied up)
    /// </code>
    /// The archive reads the data from the lower file; it must keep the holes.
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void MetadataOnlyCopyUpOfASparseTerabyteFileStaysSmall(string method)
    {
        using var replay = new ReplayWorkspace(s_metacopy);
        ReplayWorkspace.RunScript(replay.LowerBottom, """
            truncate -s 1T sparse
            python3 -c "import os
            fd = os.open('sparse', os.O_WRONLY)
            os.pwrite(fd, b'start', 0)
            os.pwrite(fd, b'far', 700 << 30)"
            """);
        replay.ChangeThroughMount("chown 1:2 sparse");
        ReplayAssert.UpperHas(replay, "sparse", "trusted.overlay.metacopy");

        AssertFaithful(replay, method, TimeSpan.FromSeconds(30));

        ReplayAssert.ArchiveKeepsHoles(replay, method, "sparse");
    }

    /// <code>
    /// lower1: dir/top-file
    /// lower2: dir/bottom-file, dir/shadowed, linked (2 links: linked, linked-too)
    /// change (metacopy=on): chown dir/bottom-file and dir/top-file; mv dir moved;
    ///         mv moved/bottom-file renamed-file (a file redirect); chmod 600 linked
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void MetadataOnlyCopyUpsInRenamedDirectoriesReplay(string method)
    {
        using var replay = new ReplayWorkspace(s_metacopy);
        ReplayWorkspace.RunScript(replay.LowerTop, """
            mkdir dir
            echo top > dir/top-file
            """);
        ReplayWorkspace.RunScript(replay.LowerBottom, """
            mkdir dir
            echo bottom > dir/bottom-file
            echo shadowed > dir/top-file
            echo linked > linked
            ln linked linked-too
            """);
        replay.ChangeThroughMount("""
            chown 5:5 dir/bottom-file dir/top-file
            mv dir moved
            mv moved/bottom-file renamed-file
            chmod 600 linked
            """);
        ReplayAssert.UpperHas(replay, "moved", "trusted.overlay.redirect");
        ReplayAssert.UpperHas(replay, "renamed-file", "trusted.overlay.metacopy");
        ReplayAssert.UpperHas(replay, "renamed-file", "trusted.overlay.redirect");

        AssertFaithful(replay, method);
    }

    /// <code>
    /// lower1: a/ (opaque) with a/b/x1
    /// lower2: a/b/y2 (hidden: a/ above is opaque), a/b/sub/z2
    /// change (redirect_dir=on): mv a/b c (c redirects to /a/b)
    /// </code>
    /// Following a redirect stops at an opaque directory on the way, not only at the end
    /// (overlayfs: an opaque directory hides everything below it, its subdirectories included).
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void RedirectThroughAnOpaqueLowerDirectoryReplays(string method)
    {
        using var replay = new ReplayWorkspace(s_redirect);
        ReplayWorkspace.RunScript(replay.LowerTop, """
            mkdir -p a/b
            echo 1 > a/b/x1
            setfattr -n trusted.overlay.opaque -v y a
            """);
        ReplayWorkspace.RunScript(replay.LowerBottom, """
            mkdir -p a/b/sub
            echo 2 > a/b/y2
            echo 2 > a/b/sub/z2
            """);
        replay.ChangeThroughMount("mv a/b c");
        ReplayAssert.UpperHas(replay, "c", "trusted.overlay.redirect");

        var result = AssertFaithful(replay, method);
        Assert.Null(result.After!.Find("c/y2"));
    }

    /// <code>
    /// lower2: dir/file, dir/sub/deep
    /// change (metacopy=on): mv dir moved; chown moved/file; mv moved/sub sub2;
    ///         chmod 600 sub2/deep (metadata-only copy-ups below renamed directories)
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void MetadataOnlyCopyUpsBelowRenamedDirectoriesReplay(string method)
    {
        using var replay = new ReplayWorkspace(s_metacopy);
        ReplayWorkspace.RunScript(replay.LowerBottom, """
            mkdir -p dir/sub
            echo file > dir/file
            echo deep > dir/sub/deep
            """);
        replay.ChangeThroughMount("""
            mv dir moved
            chown 5:6 moved/file
            mv moved/sub sub2
            chmod 600 sub2/deep
            """);
        ReplayAssert.UpperHas(replay, "moved/file", "trusted.overlay.metacopy");
        ReplayAssert.UpperHas(replay, "sub2/deep", "trusted.overlay.metacopy");

        AssertFaithful(replay, method);
    }

    /// <code>
    /// lower2: zfirst, data (64 KiB)
    /// change (metacopy=on): chown 3:4 zfirst and data; ln zfirst alink; ln data data-link;
    ///         mv data-link moved-link
    /// </code>
    /// A metadata-only copy-up with two upper names: one body and one link in the archive,
    /// the body read from the lower file whichever name comes first.
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void HardLinksToMetadataOnlyCopyUpsReplay(string method)
    {
        using var replay = new ReplayWorkspace(s_metacopy);
        ReplayWorkspace.RunScript(replay.LowerBottom, """
            echo first > zfirst
            python3 -c "open('data', 'wb').write(bytes(range(256)) * 256)"
            """);
        replay.ChangeThroughMount("""
            chown 3:4 zfirst data
            ln zfirst alink
            ln data data-link
            mv data-link moved-link
            """);
        ReplayAssert.UpperHas(replay, "alink", "trusted.overlay.metacopy");
        ReplayAssert.UpperHas(replay, "moved-link", "trusted.overlay.metacopy");

        var result = AssertFaithful(replay, method);
        Assert.Equal("./alink", result.After!.Find("zfirst")!.Fact("hard-link-group"));
    }

    /// <code>
    /// lower2: old/ with caps (security.capability, user.*, trusted.*, ACL, 4755, 7:8, mtime
    ///         before 1970), old/link -> /etc/shadow, old/fifo, old/null (char 1/3),
    ///         old/locked/ (0000) with secret, old/sparse (1 TiB, data at 0 and 900 GiB),
    ///         old/h1 = old/h2 (hard links)
    /// change (redirect_dir=on): mv old new
    /// </code>
    /// The archive stores the renamed directory with its whole lower content, so everything
    /// the lower entries carry must come along, holes included.
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void RenamedDirectoryKeepsEverythingItsLowerEntriesCarry(string method)
    {
        using var replay = new ReplayWorkspace(s_redirect);
        ReplayWorkspace.RunScript(replay.LowerBottom, """
            mkdir -p old/locked
            echo caps > old/caps
            chown 7:8 old/caps
            chmod 4755 old/caps
            setfattr -n security.capability -v 0x0100000200200000000000000000000000000000 old/caps
            setfattr -n user.bin -v 0x00ff0a old/caps
            setfattr -n trusted.t -v t old/caps
            setfacl -m u:1234:rwx old/caps
            touch -d '1969-07-20 20:17:40.123456789 UTC' old/caps
            ln -s /etc/shadow old/link
            mkfifo old/fifo
            mknod old/null c 1 3
            echo secret > old/locked/secret
            chmod 000 old/locked
            truncate -s 1T old/sparse
            python3 -c "import os
            fd = os.open('old/sparse', os.O_WRONLY)
            os.pwrite(fd, b'start', 0)
            os.pwrite(fd, b'far', 900 << 30)"
            echo linked > old/h1
            ln old/h1 old/h2
            touch -d '2001-01-01 00:00:00.000000001 UTC' old
            """);
        replay.ChangeThroughMount("mv old new");
        ReplayAssert.UpperHas(replay, "new", "trusted.overlay.redirect");

        AssertFaithful(replay, method, TimeSpan.FromSeconds(30));

        ReplayAssert.ArchiveKeepsHoles(replay, method, "new/sparse");
    }

    private ReplayResult AssertFaithful(
        ReplayWorkspace replay,
        string method,
        TimeSpan? restoreTimeLimit = null) =>
        ReplayAssert.Faithful(replay, method, _output, restoreTimeLimit);
}
