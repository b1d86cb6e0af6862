using ArchiveOverlay.Archiving;
using ArchiveOverlay.Oci;
using ArchiveOverlay.Overlay;
using ArchiveOverlay.Tests.Support;

namespace ArchiveOverlay.Tests.Overlay;

public sealed class UpperDirWalkerTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose()
    {
        foreach (var mount in new[] { "merged", "view" })
        {
            ExternalTool.TryRun("umount", _temp.Combine(mount));
        }
        _temp.Dispose();
    }

    private string Dir(string name)
    {
        var path = _temp.Combine(name);
        Directory.CreateDirectory(path);
        return path;
    }

    // Everything a reader of the merged view sees: path, type, mode, owner, size and content hash.
    private string MergedView(string lowerDirs, string options = "")
    {
        var view = Dir("view");
        ExternalTool.Run("mount", "-t", "overlay", "overlay", "-o", $"ro,lowerdir={lowerDirs}{options}", view);
        try
        {
            return ExternalTool.Run("sh", "-c",
                $"cd '{view}' && find . -printf '%p %y %m %U:%G %s\\n' | sort && "
                + "find . -type f -exec sha256sum {} + | sort -k2");
        }
        finally
        {
            ExternalTool.Run("umount", view);
        }
    }

    // lower2/a/b/f, lower2/a/sub/deep/x, lower2/top, lower1/a/g, lower1/big (64 KiB)
    // Through a mount with redirect_dir=on and metacopy=on: mv a renamed; rm renamed/b/f;
    // mv renamed/g renamed/g2; chown 5:5 top; chmod 600 big.
    [RootTheory]
    [InlineData(ArchiveMethod.Copy)]
    [InlineData(ArchiveMethod.TarGz)]
    public void RenamedDirectoriesAndMetacopyFilesReplayToTheSameMergedView(ArchiveMethod method)
    {
        var lower1 = Dir("lower1");
        var lower2 = Dir("lower2");
        Directory.CreateDirectory(Path.Combine(lower2, "a", "b"));
        Directory.CreateDirectory(Path.Combine(lower2, "a", "sub", "deep"));
        File.WriteAllText(Path.Combine(lower2, "a", "b", "f"), "f");
        File.WriteAllText(Path.Combine(lower2, "a", "sub", "deep", "x"), "x");
        File.WriteAllText(Path.Combine(lower2, "top"), "top");
        Directory.CreateDirectory(Path.Combine(lower1, "a"));
        File.WriteAllText(Path.Combine(lower1, "a", "g"), "g");
        File.WriteAllBytes(Path.Combine(lower1, "big"), [.. Enumerable.Range(0, 65536).Select(i => (byte)(i * 7))]);
        var upper = Dir("upper");
        var merged = Dir("merged");
        var options = $"lowerdir={lower1}:{lower2},upperdir={upper},workdir={Dir("work")},redirect_dir=on,metacopy=on";
        ExternalTool.Run("mount", "-t", "overlay", "overlay", "-o", options, merged);
        ExternalTool.Run("sh", "-euc",
            $"cd '{merged}' && mv a renamed && rm renamed/b/f && mv renamed/g renamed/g2 && "
            + "chown 5:5 top && chmod 600 big");
        ExternalTool.Run("umount", merged);
        Assert.Contains("redirect", ExternalTool.Run("getfattr", "-d", "-m", "-", Path.Combine(upper, "renamed")),
            StringComparison.Ordinal);
        var expected = MergedView($"{upper}:{lower1}:{lower2}", ",redirect_dir=on,metacopy=on");

        var restored = Archive(method, upper, [lower1, lower2]);

        Assert.Equal(expected, MergedView($"{restored}:{lower1}:{lower2}"));
        var xattrs = ExternalTool.Run("getfattr", "-R", "-d", "-m", "-", restored);
        Assert.DoesNotContain("redirect", xattrs, StringComparison.Ordinal);
        Assert.DoesNotContain("metacopy", xattrs, StringComparison.Ordinal);
        Assert.Equal("x", File.ReadAllText(Path.Combine(restored, "renamed", "sub", "deep", "x")));
    }

    // A container can set user.overlay.* (and, escaped by the kernel, trusted.overlay.*) through a
    // trusted.* mount: that is its data, never overlay metadata to act on or drop.
    [RootFact]
    public void OverlayXattrsAContainerSetsAreKeptAsDataAndNeverFollowed()
    {
        var lower = Dir("lower");
        Directory.CreateDirectory(Path.Combine(lower, "secret"));
        File.WriteAllText(Path.Combine(lower, "secret", "s"), "lower secret");
        File.WriteAllText(Path.Combine(lower, "f"), "lower content, longer than the container's");
        var upper = Dir("upper");
        var merged = Dir("merged");
        var options = $"lowerdir={lower},upperdir={upper},workdir={Dir("work")}";
        ExternalTool.Run("mount", "-t", "overlay", "overlay", "-o", options, merged);
        ExternalTool.Run("sh", "-euc",
            $"cd '{merged}' && echo mine > f && setfattr -n user.overlay.metacopy -v '' f && "
            + "mkdir d && setfattr -n user.overlay.redirect -v /secret d && "
            + "mkdir y && setfattr -n trusted.overlay.opaque -v y y");
        ExternalTool.Run("umount", merged);
        var target = Path.Combine(Dir("out"), "a.tar.gz");

        ArchiveJob.Run(
            new ArchiveRequest("t", "/data", target, null, ArchiveMethod.TarGz, null),
            new OverlayMount("/data", upper, [lower]));

        var members = TarListing.ReadWithPython(target).ToDictionary(m => m.Name);
        Assert.Equal(TarListing.Hex("mine\n"), members["./f"].ContentHex);
        Assert.Contains(TarListing.Hex("user.overlay.metacopy"), members["./f"].XattrsHex.Keys);
        Assert.Contains(TarListing.Hex("user.overlay.redirect"), members["./d"].XattrsHex.Keys);
        Assert.DoesNotContain(members.Keys, name => name.StartsWith("./d/", StringComparison.Ordinal));
        Assert.Contains(TarListing.Hex("trusted.overlay.overlay.opaque"), members["./y"].XattrsHex.Keys);
    }

    // fuse-overlayfs names no lower layers: a socket in a directory that has them becomes a
    // whiteout, which hides whatever they hold there; in an opaque directory it is left out.
    [RootFact]
    public void SocketOfAFuseOverlayfsUpperDirBecomesAWhiteoutUnlessItsDirectoryIsOpaque()
    {
        var upper = Dir("upper");
        Directory.CreateDirectory(Path.Combine(upper, "new"));
        ExternalTool.Run("setfattr", "-n", "trusted.overlay.opaque", "-v", "y", Path.Combine(upper, "new"));
        ExternalTool.Run("python3", "-c",
            "import socket, sys\nfor p in sys.argv[1:]: socket.socket(socket.AF_UNIX).bind(p)",
            Path.Combine(upper, "sock"), Path.Combine(upper, "new", "sock"));
        var target = Path.Combine(Dir("out"), "a.tar.gz");

        ArchiveJob.Run(
            new ArchiveRequest("t", "/data", target, null, ArchiveMethod.TarGz, null),
            new OverlayMount("/data", upper, [], OverlayFlavor.FuseOverlayfs));

        var members = TarListing.ReadWithPython(target).ToDictionary(m => m.Name);
        Assert.Equal([".", "./new", "./sock"], members.Keys.Order(StringComparer.Ordinal));
        var socket = members["./sock"];
        Assert.Equal(('3', 0L, 0L), (socket.Type, socket.DeviceMajor, socket.DeviceMinor));
    }

    [RootFact]
    public void MetacopyWithoutLowerDirsFailsWithTheReason()
    {
        var upper = Dir("upper");
        File.WriteAllText(Path.Combine(upper, "f"), "");
        ExternalTool.Run("setfattr", "-n", "trusted.overlay.metacopy", Path.Combine(upper, "f"));

        var error = Assert.Throws<NotSupportedException>(() => Archive(ArchiveMethod.TarGz, upper, []));

        Assert.Equal(
            "'f' refers to the lower layers (overlay redirect or metacopy), but the mount names no lowerdir",
            error.Message);
    }

    // Deeper than the descriptor window and than PATH_MAX: 300 levels of 20-byte names. GNU tar
    // cannot extract paths that long (nor the ones it writes itself), so the tar is read by Python.
    [RootTheory]
    [InlineData(ArchiveMethod.Copy)]
    [InlineData(ArchiveMethod.TarGz)]
    public void DeepTreesBeyondPathMaxAreArchived(ArchiveMethod method)
    {
        var upper = Dir("upper");
        ExternalTool.Run("python3", "-c",
            "import os,sys\nos.chdir(sys.argv[1])\nfor i in range(300):\n"
            + "    os.mkdir('d' * 19 + 'x'); os.chdir('d' * 19 + 'x')\nopen('leaf', 'w').write('leaf')",
            upper);
        var target = Path.Combine(Dir("out"), "archive");
        var request = new ArchiveRequest("t", "/data", target, null, method, null);

        ArchiveJob.Run(request, new OverlayMount("/data", upper, []));

        var leafPath = "./" + string.Concat(Enumerable.Repeat(new string('d', 19) + "x/", 300)) + "leaf";
        var leaf = method == ArchiveMethod.Copy
            ? ExternalTool.Run("python3", "-c",
                "import os,sys\nos.chdir(sys.argv[1])\nfor i in range(300): os.chdir('d' * 19 + 'x')\n"
                + "print(open('leaf').read(), end='')",
                target)
            : ExternalTool.Run("python3", "-c",
                "import sys,tarfile\nt = tarfile.open(sys.argv[1])\nm = t.getmembers()\n"
                + "print(len(m), m[-1].name, t.extractfile(m[-1]).read().decode(), end='')",
                target);
        Assert.Equal(method == ArchiveMethod.Copy ? "leaf" : $"302 {leafPath} leaf", leaf);
    }

    private string Archive(ArchiveMethod method, string upper, string[] lowerDirs)
    {
        var target = Path.Combine(Dir("out"), method == ArchiveMethod.Copy ? "copy" : "a.tar.gz");
        var request = new ArchiveRequest("t", "/data", target, null, method, null);
        ArchiveJob.Run(request, new OverlayMount("/data", upper, lowerDirs));
        if (method == ArchiveMethod.Copy)
        {
            return target;
        }
        var restored = Dir("restored");
        ExternalTool.Run(
            "tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "--same-permissions", "-xzf", target,
            "-C", restored);
        return restored;
    }
}
