using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>
/// Hand-written changes made through a real overlay mount; each archive, restored and mounted over
/// the same lower layers, must give back exactly the merged view the container left. Lower layers
/// are drawn as "lower1 (top)" and "lower2 (bottom)"; the change runs in the mounted overlay.
/// </summary>
public sealed class ReplayScenarioTests
{
    private readonly ITestOutputHelper _output;

    public ReplayScenarioTests(ITestOutputHelper output)
    {
        _output = output;
    }

    /// <code>
    /// lower2: (empty)
    /// change: file, dir/, dir/nested/file, empty file
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void NewFilesReplay(string method)
    {
        using var replay = new ReplayWorkspace();
        replay.ChangeThroughMount("""
            echo new > file
            mkdir -p dir/nested
            printf 'no newline' > dir/nested/file
            : > empty
            """);

        AssertFaithful(replay, method);
    }

    /// <code>
    /// lower2: file (1000:1000 0640, user.origin), dir/sub/deep
    /// change: append to file, rewrite dir/sub/deep (copies up dir/ and dir/sub/)
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void ChangedLowerFileIsCopiedUpAndReplays(string method)
    {
        using var replay = new ReplayWorkspace();
        ReplayWorkspace.RunScript(replay.LowerBottom, """
            echo old > file
            chown 1000:1000 file
            chmod 640 file
            setfattr -n user.origin -v lower file
            mkdir -p dir/sub
            echo deep > dir/sub/deep
            """);
        replay.ChangeThroughMount("""
            echo appended >> file
            echo changed > dir/sub/deep
            """);

        AssertFaithful(replay, method);
    }

    /// <code>
    /// lower1: top-only
    /// lower2: file, dir/sub/f, dir/g, keep/gone, keep/stays
    /// change: rm file top-only keep/gone; rm -r dir
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void DeletedFileAndDirectoryReplayAsWhiteouts(string method)
    {
        using var replay = new ReplayWorkspace();
        ReplayWorkspace.RunScript(replay.LowerTop, "echo t > top-only");
        ReplayWorkspace.RunScript(replay.LowerBottom, """
            echo a > file
            mkdir -p dir/sub keep
            echo b > dir/sub/f
            echo c > dir/g
            echo k > keep/gone
            echo s > keep/stays
            """);
        replay.ChangeThroughMount("""
            rm file top-only keep/gone
            rm -r dir
            """);

        AssertFaithful(replay, method);
    }

    /// <code>
    /// lower1: dir/upper-layer
    /// lower2: dir/old/f, dir/file
    /// change: rm -rf dir; mkdir dir dir/old; dir/file (dir is now opaque)
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void DirectoryDeletedAndRecreatedReplaysAsOpaque(string method)
    {
        using var replay = new ReplayWorkspace();
        ReplayWorkspace.RunScript(replay.LowerTop, "mkdir dir && echo z > dir/upper-layer");
        ReplayWorkspace.RunScript(replay.LowerBottom, """
            mkdir -p dir/old
            echo x > dir/old/f
            echo y > dir/file
            """);
        replay.ChangeThroughMount("""
            rm -rf dir
            mkdir dir dir/old
            echo new > dir/file
            """);

        AssertFaithful(replay, method);
    }

    /// <code>
    /// lower2: was-file
    /// change: shadow -> /etc/shadow (1234:5678), dangling, a 150-byte target, d/up -> ..,
    ///         was-file replaced by a symlink to /etc/passwd
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void SymlinksAreStoredNotFollowed(string method)
    {
        using var replay = new ReplayWorkspace();
        ReplayWorkspace.RunScript(replay.LowerBottom, "echo f > was-file");
        replay.ChangeThroughMount("""
            ln -s /etc/shadow shadow
            chown -h 1234:5678 shadow
            ln -s ../../nowhere dangling
            ln -s "$(printf 'x%.0s' $(seq 150))" long-target
            mkdir d
            ln -s .. d/up
            rm was-file
            ln -s /etc/passwd was-file
            """);

        var result = AssertFaithful(replay, method);
        Assert.Equal("/etc/shadow", result.After!.Find("shadow")!.Fact("target"));
    }

    /// <code>
    /// lower2: lower-file, lower-other
    /// change: a = b = d/c; lower-file appended then linked as copied-up-link;
    ///         lower-other linked (the link copies it up); hard-linked symlink, FIFO and device
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void HardLinksInTheUpperdirReplay(string method)
    {
        using var replay = new ReplayWorkspace();
        ReplayWorkspace.RunScript(replay.LowerBottom, """
            echo lower > lower-file
            echo other > lower-other
            """);
        replay.ChangeThroughMount("""
            echo a > a
            ln a b
            mkdir d
            ln a d/c
            echo more >> lower-file
            ln lower-file copied-up-link
            ln lower-other lower-other-link
            ln -s target symlink
            ln -P symlink symlink-link
            mkfifo fifo
            ln fifo fifo-link
            mknod null c 1 3
            ln null null-link
            """);

        var result = AssertFaithful(replay, method);
        Assert.Equal("./a", result.After!.Find("d/c")!.Fact("hard-link-group"));
        Assert.Equal("./copied-up-link", result.After.Find("lower-file")!.Fact("hard-link-group"));
    }

    /// <code>
    /// lower2: f1..f20, d1/x..d10/x
    /// change: rm f*; rm -r d* (the kernel hard-links all whiteouts to one inode)
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void ManyDeletionsReplayAsSeparateWhiteouts(string method)
    {
        using var replay = new ReplayWorkspace();
        ReplayWorkspace.RunScript(replay.LowerBottom, """
            for i in $(seq 20); do echo $i > f$i; done
            for i in $(seq 10); do mkdir d$i; echo $i > d$i/x; done
            """);
        replay.ChangeThroughMount("rm f* && rm -r d*");
        var links = Posix.Stat(ReplayLibC.AT_FDCWD, ByteText.Bytes(replay.Upper + "/f1")).Nlink;
        Assert.True(links > 1, $"expected whiteouts sharing an inode, f1 has {links} link(s)");

        AssertFaithful(replay, method);
    }

    /// <code>
    /// lower2: lower-acl, lower-cap
    /// change: security.capability, user.* binary, empty and 2000-byte values, trusted.foo,
    ///         trusted.* on a symlink, access and default ACLs, an inherited ACL, xattrs on
    ///         copied-up lower files
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void XattrsAndAclsReplay(string method)
    {
        using var replay = new ReplayWorkspace();
        ReplayWorkspace.RunScript(replay.LowerBottom, """
            echo acl > lower-acl
            echo cap > lower-cap
            """);
        replay.ChangeThroughMount("""
            echo bin > bin
            setfattr -n security.capability -v 0x0100000200200000000000000000000000000000 bin
            setfattr -n user.binary -v 0x00ff80fe0a3d0d00 bin
            setfattr -n user.empty bin
            setfattr -n user.big -v "0x$(printf '5a%.0s' $(seq 2000))" bin
            setfattr -n trusted.foo -v bar bin
            echo capped > capped
            setcap cap_net_raw,cap_sys_admin+ep capped
            ln -s bin symlink
            setfattr -h -n trusted.on-link -v 1 symlink
            echo acl > acl
            setfacl -m u:1234:rwx,g:5678:r-x,m::rwx acl
            mkdir dir
            setfattr -n user.dir -v 0x01 dir
            setfacl -d -m u:1234:rx,g::r dir
            setfacl -m u:4321:rwx dir
            echo inherits > dir/inherited
            setfacl -m g:4321:rw lower-acl
            setcap cap_chown+ep lower-cap
            """);

        AssertFaithful(replay, method);
    }

    /// <code>
    /// lower2: lower-file (0644)
    /// change: setuid, setgid, sticky and 7777 files and directories; lower-file made 4755
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void SetuidSetgidAndStickyModesReplay(string method)
    {
        using var replay = new ReplayWorkspace();
        ReplayWorkspace.RunScript(replay.LowerBottom, "echo lower > lower-file");
        replay.ChangeThroughMount("""
            echo s > suid
            chown 1000:1000 suid
            chmod 4755 suid
            echo g > sgid
            chmod 2711 sgid
            echo all > all
            chmod 7777 all
            mkdir sticky setgid-dir
            chmod 1777 sticky
            chmod 2775 setgid-dir
            echo x > setgid-dir/inherits
            chmod 4755 lower-file
            mkfifo odd-fifo
            chmod 7640 odd-fifo
            """);

        AssertFaithful(replay, method);
    }

    /// <code>
    /// change: owners 4294967294:3000000 on a file, a directory and a symlink; mtimes before 1970
    ///         with nanoseconds, in 1901, in 2446, and one nanosecond after a second
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void LargeIdsAndExtremeTimesReplay(string method)
    {
        using var replay = new ReplayWorkspace();
        replay.ChangeThroughMount("""
            echo x > big-ids
            chown 4294967294:3000000 big-ids
            mkdir ids-dir
            ln -s big-ids ids-link
            chown -h 3000000:4294967294 ids-link
            echo moon > moon
            touch -d '1969-07-20 20:17:40.123456789 UTC' moon
            touch -h -d '1969-12-31 23:59:59.999999999 UTC' ids-link
            echo old > oldest
            touch -d '1901-12-13 20:45:52 UTC' oldest
            echo future > future
            touch -d '2446-05-10 22:38:55.999999999 UTC' future
            echo tick > tick
            touch -d '2001-02-03 04:05:06.000000001 UTC' tick
            mkfifo old-fifo
            touch -d '1960-01-01 00:00:00.5 UTC' old-fifo
            chown 3000000:4294967294 ids-dir
            touch -d '1950-06-15 12:00:00.25 UTC' ids-dir
            """);

        AssertFaithful(replay, method);
    }

    /// <code>
    /// lower2: replaced
    /// change: fifo (0640), char 1/3, block 7/200, char 4095/1048575, replaced -> char 1/5
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void FifosAndDevicesReplay(string method)
    {
        using var replay = new ReplayWorkspace();
        ReplayWorkspace.RunScript(replay.LowerBottom, "echo f > replaced");
        replay.ChangeThroughMount("""
            mkfifo fifo
            chmod 640 fifo
            mknod char c 1 3
            mknod block b 7 200
            mknod huge c 4095 1048575
            chown 12:34 huge
            rm replaced
            mknod replaced c 1 5
            """);

        AssertFaithful(replay, method);
    }

    /// <code>
    /// change: dir/socket and a file beside it
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void SocketIsLeftOutWithAWarning(string method)
    {
        using var replay = new ReplayWorkspace();
        replay.ChangeThroughMount("""
            mkdir dir
            echo kept > dir/file
            python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('dir/socket')"
            """);

        var result = AssertFaithful(replay, method);
        Assert.Equal("socket", result.Before.Find("dir/socket")!.Kind);
        Assert.Null(result.After!.Find("dir/socket"));
        Assert.Contains(
            result.Hook.LogLines,
            line => line.Contains(" warning ", StringComparison.Ordinal));
    }

    /// <code>
    /// lower2: path (a file)
    /// change: rm path; a socket bound at path
    /// </code>
    /// A socket that replaced a lower file still hides it; leaving the socket out must not
    /// bring the lower file back.
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void SocketOverALowerFileKeepsTheLowerFileHidden(string method)
    {
        using var replay = new ReplayWorkspace();
        ReplayWorkspace.RunScript(replay.LowerBottom, "echo lower > path");
        replay.ChangeThroughMount("""
            rm path
            python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('path')"
            """);

        AssertFaithful(replay, method);
    }

    /// <code>
    /// change: names of 98, 99, 100, 101 and 255 bytes; d200/d200/n255 (a path over 255
    ///         bytes); a symlink to it (target over 100 bytes) and a hard link to it
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void LongNamesAndPathsReplay(string method)
    {
        using var replay = new ReplayWorkspace();
        replay.ChangeThroughMount("""
            name() { printf "$1%.0s" $(seq $2); }
            for length in 98 99 100 101 255; do echo $length > "$(name n $length)"; done
            d200=$(name d 200)
            mkdir -p "$d200/$d200"
            echo deep > "$d200/$d200/$(name m 255)"
            ln -s "$d200/$d200/$(name m 255)" long-symlink
            ln "$d200/$d200/$(name m 255)" "$(name h 150)"
            mkdir "$(name e 120)"
            """);

        AssertFaithful(replay, method);
    }

    /// <code>
    /// change: file with xattrs user.p%3Dq, user.100% and user.\xff
    /// </code>
    /// GNU tar writes '%' in SCHILY.xattr keywords as %25 and decodes %XX on extraction, so a
    /// tar that holds '%' raw restores user.p%3Dq as user.p=q.
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void XattrNamesWithPercentSignsReplay(string method)
    {
        using var replay = new ReplayWorkspace();
        replay.ChangeThroughMount("""
            echo x > file
            setfattr -n 'user.p%3Dq' -v 1 file
            setfattr -n 'user.100%' -v 2 file
            setfattr -n "$(printf 'user.\377')" -v 3 file
            """);

        AssertFaithful(replay, method);
    }

    /// <code>
    /// change: file with xattr user.a=b
    /// </code>
    /// A PAX keyword cannot hold '='; GNU tar writes it as %3D and restores it.
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void XattrNameWithAnEqualsSignReplays(string method)
    {
        using var replay = new ReplayWorkspace();
        replay.ChangeThroughMount("""
            echo x > file
            setfattr -n 'user.a=b' -v 1 file
            """);

        AssertFaithful(replay, method);
    }

    /// <code>
    /// lower2: dir/lower
    /// change (rootful, trusted.overlay.*): user.overlay.opaque, user.overlay.origin,
    ///         user.overlay.redirect, user.overlay.metacopy and user.fuseoverlayfs.origin set on
    ///         entries through the mount
    /// </code>
    /// On a mount without userxattr, user.overlay.* is ordinary data the container wrote,
    /// not bookkeeping, and must be kept like any user.* xattr.
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void OverlayNamedUserXattrsOnARootfulMountAreKept(string method)
    {
        using var replay = new ReplayWorkspace();
        ReplayWorkspace.RunScript(replay.LowerBottom, "mkdir dir && echo lower > dir/lower");
        replay.ChangeThroughMount("""
            setfattr -n user.overlay.opaque -v y dir
            echo x > file
            setfattr -n user.overlay.origin -v 0x00fb file
            setfattr -n user.overlay.redirect -v /elsewhere file
            setfattr -n user.overlay.metacopy file
            setfattr -n user.fuseoverlayfs.origin -v 1 file
            """);

        var result = AssertFaithful(replay, method);
        Assert.NotNull(result.After!.Find("dir/lower"));
    }

    /// <code>
    /// change: the mount's root made 0555, 1000:2000, user.root, an ACL and a 1980 mtime
    /// </code>
    /// The root of the merged view is the upperdir itself: the archive's root entry carries it.
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void UpperdirRootMetadataReplays(string method)
    {
        using var replay = new ReplayWorkspace();
        replay.ChangeThroughMount("""
            echo x > file
            chown 1000:2000 .
            chmod 555 .
            setfattr -n user.root -v 0x01 .
            setfacl -m u:5:rwx .
            touch -d '1980-01-01 00:00:00.5 UTC' .
            """);

        AssertFaithful(replay, method);
    }

    /// <code>
    /// change: a symlink with a 150-byte target that is not UTF-8, a 200-byte non-UTF-8 name
    ///         hard-linked from a second one, a 150-byte non-UTF-8 sparse file, a name of
    ///         255 bytes 0xff
    /// </code>
    /// Long names go into PAX path and linkpath records, which then need hdrcharset=BINARY.
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void LongNamesThatAreNotUtf8Replay(string method)
    {
        using var replay = new ReplayWorkspace();
        replay.ChangeThroughMount("""
            python3 - <<'EOF'
            import os
            os.symlink(b"\xff" * 150, b"long-target")
            first = b"\xfe" * 199 + b"1"
            open(first, "w").write("linked")
            os.link(first, b"\xfe" * 199 + b"2")
            sparse = b"s\xe9" * 75
            fd = os.open(sparse, os.O_WRONLY | os.O_CREAT, 0o644)
            os.ftruncate(fd, 1 << 30)
            os.pwrite(fd, b"data", 1 << 29)
            os.close(fd)
            open(b"\xff" * 255, "w").write("max")
            EOF
            """);

        AssertFaithful(replay, method);
    }

    /// <code>
    /// change: files named .wh.foo and .wh..wh..opq, a directory .wh..wh.plnk with a file
    /// </code>
    /// In overlay terms these are ordinary names: only 0/0 devices and the opaque xattr mean
    /// deletion, so the archive keeps them as they are.
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void AufsStyleWhiteoutNamesAreOrdinaryFiles(string method)
    {
        using var replay = new ReplayWorkspace();
        ReplayWorkspace.RunScript(replay.LowerBottom, "echo foo > foo");
        replay.ChangeThroughMount("""
            echo x > .wh.foo
            : > .wh..wh..opq
            mkdir .wh..wh.plnk
            echo y > .wh..wh.plnk/file
            """);

        var result = AssertFaithful(replay, method);
        Assert.NotNull(result.After!.Find("foo"));
    }

    /// <code>
    /// lower2: a200/ x 25 (a 5025-byte path) with lower-deep and gone-deep
    /// change: append to lower-deep; rm gone-deep; b200/new (4750, user.deep, mtime before
    ///         1970), a symlink with a 1000-byte target and a FIFO beside it
    /// </code>
    /// GNU tar cannot extract such paths (README, known limits), so the tar.gz is restored
    /// through relative steps with Python's tarfile.
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void PathsLongerThanPathMaxReplay(string method)
    {
        using var replay = new ReplayWorkspace { PathsExceedPathMax = true };
        ReplayWorkspace.RunScript(replay.LowerBottom, """
            python3 - <<'EOF'
            import os
            for _ in range(25):
                os.mkdir("a" * 200)
                os.chdir("a" * 200)
            open("lower-deep", "w").write("lower")
            open("gone-deep", "w").write("gone")
            EOF
            """);
        replay.ChangeThroughMount("""
            python3 - <<'EOF'
            import os
            for _ in range(25):
                os.chdir("a" * 200)
            open("lower-deep", "a").write(" changed")
            os.unlink("gone-deep")
            os.mkdir("b" * 200)
            os.chdir("b" * 200)
            open("new", "w").write("new")
            os.setxattr("new", "user.deep", b"\xff\x00")
            os.chmod("new", 0o4750)
            os.utime("new", ns=(0, -123456789))
            os.symlink("x" * 1000, "long-target")
            os.mkfifo("fifo")
            EOF
            """);

        AssertFaithful(replay, method);
    }

    /// <code>
    /// lower2: gone\xff
    /// change: bad\xff\xfe\nname (with a binary xattr), dir\x80/\xe9t\xe9, link\xc0 -> \xfftarget,
    ///         'back\slash = eq', a hard link with a bad name; rm gone\xff (a whiteout)
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void NamesThatAreNotUtf8Replay(string method)
    {
        using var replay = new ReplayWorkspace();
        ReplayWorkspace.RunScript(replay.LowerBottom, "echo gone > \"$(printf 'gone\\377')\"");
        replay.ChangeThroughMount("""
            bad=$(printf 'bad\377\376\nname')
            echo x > "$bad"
            setfattr -n user.bin -v 0xff00fe "$bad"
            mkdir "$(printf 'dir\200')"
            echo y > "$(printf 'dir\200/\351t\351')"
            ln -s "$(printf '\377target')" "$(printf 'link\300')"
            echo b > 'back\slash = eq'
            ln "$bad" "$(printf 'hard\375')"
            rm "$(printf 'gone\377')"
            """);

        var result = AssertFaithful(replay, method);
        Assert.NotNull(result.After!.Find([.. "bad"u8, 0xFF, 0xFE, (byte)'\n', .. "name"u8]));
    }

    /// <code>
    /// lower2: lower-sparse (10 GiB, data at 0 and 5 GiB)
    /// change: big (1 TiB, data at 0, 4095 and 512 GiB), nine (9 GiB, data at the end),
    ///         holes-only (1 TiB, no data), lower-sparse made 0600 (a full copy-up)
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void SparseTerabyteFileReplaysSmallAndFast(string method)
    {
        const string WriteAt = """
            write_at() {
                python3 -c "import os, sys
            fd = os.open(sys.argv[1], os.O_WRONLY)
            os.pwrite(fd, sys.argv[3].encode(), int(sys.argv[2]))" "$@"
            }
            """;
        using var replay = new ReplayWorkspace();
        ReplayWorkspace.RunScript(replay.LowerBottom, WriteAt + """

            truncate -s 10G lower-sparse
            write_at lower-sparse 0 first
            write_at lower-sparse 5368709120 middle
            """);
        replay.ChangeThroughMount(WriteAt + """

            truncate -s 1T big
            write_at big 0 start
            write_at big 4095 across-a-block-boundary
            write_at big 549755813888 half-way
            truncate -s 9G nine
            write_at nine 9663676411 tail!
            truncate -s 1T holes-only
            chmod 600 lower-sparse
            """);
        var watch = Stopwatch.StartNew();

        var result = AssertFaithful(replay, method, restoreTimeLimit: TimeSpan.FromSeconds(30));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"replay took {watch.Elapsed}");
        ReplayAssert.ArchiveKeepsHoles(replay, method, "big");
        Assert.Equal("1099511627776", result.After!.Find("big")!.Fact("size"));
    }

    /// <code>
    /// lower2: lower-locked/ (0000) with f
    /// change: locked/ (0000) with file (0000), nothing (0000), empty-locked/ (0000),
    ///         lower-locked/new (copies up a 0000 directory)
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void UnreadableModesAreArchivedAndReplay(string method)
    {
        using var replay = new ReplayWorkspace();
        ReplayWorkspace.RunScript(replay.LowerBottom, """
            mkdir lower-locked
            echo a > lower-locked/f
            chmod 000 lower-locked
            """);
        replay.ChangeThroughMount("""
            mkdir locked empty-locked
            echo secret > locked/file
            chmod 000 locked/file locked empty-locked
            echo x > nothing
            chmod 000 nothing
            echo b > lower-locked/new
            """);

        AssertFaithful(replay, method);
    }

    /// <code>
    /// lower1: old/top, old/hidden (a whiteout), old/op/ (opaque) with o
    /// lower2: old/a, old/hidden, old/sub/b, old/op/shadowed, tree/x/c
    /// change (redirect_dir=on): mv old new; new/added; rm new/a; mv tree/x moved-x
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void RenamedDirectoriesWithRedirectDirReplay(string method)
    {
        using var replay = new ReplayWorkspace(["redirect_dir=on"]);
        ReplayWorkspace.RunScript(replay.LowerTop, """
            mkdir -p old/op
            echo top > old/top
            mknod old/hidden c 0 0
            echo o > old/op/o
            setfattr -n trusted.overlay.opaque -v y old/op
            """);
        ReplayWorkspace.RunScript(replay.LowerBottom, """
            mkdir -p old/sub old/op tree/x
            echo a > old/a
            echo hidden > old/hidden
            echo b > old/sub/b
            echo shadowed > old/op/shadowed
            echo c > tree/x/c
            """);
        replay.ChangeThroughMount("""
            mv old new
            echo added > new/added
            rm new/a
            mv tree/x moved-x
            """);
        ReplayAssert.UpperHas(replay, "new", "trusted.overlay.redirect");

        var result = AssertFaithful(replay, method);
        Assert.Null(result.After!.Find("new/hidden"));
        Assert.Null(result.After.Find("new/op/shadowed"));
    }

    /// <code>
    /// lower2: owned, moded, renamed, written, bulk (256 KiB)
    /// change (metacopy=on): chown owned; chmod moded; chown then mv renamed; chown then
    ///         append to written; chown bulk
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void MetadataOnlyCopyUpsWithMetacopyReplay(string method)
    {
        using var replay = new ReplayWorkspace(["redirect_dir=on", "metacopy=on"]);
        ReplayWorkspace.RunScript(replay.LowerBottom, """
            echo owned > owned
            echo moded > moded
            echo renamed > renamed
            echo written > written
            python3 -c "open('bulk', 'wb').write(bytes(range(256)) * 1024)"
            """);
        replay.ChangeThroughMount("""
            chown 1234:5678 owned
            chmod 600 moded
            chown 42:42 renamed
            mv renamed renamed-new
            chown 7:7 written
            echo more >> written
            chown 9:9 bulk
            """);
        ReplayAssert.UpperHas(replay, "owned", "trusted.overlay.metacopy");

        AssertFaithful(replay, method);
    }

    private ReplayResult AssertFaithful(
        ReplayWorkspace replay,
        string method,
        TimeSpan? restoreTimeLimit = null) =>
        ReplayAssert.Faithful(replay, method, _output, restoreTimeLimit);
}
