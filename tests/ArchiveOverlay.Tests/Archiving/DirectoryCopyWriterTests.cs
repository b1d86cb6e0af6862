using ArchiveOverlay.Archiving;
using ArchiveOverlay.Oci;
using ArchiveOverlay.Overlay;
using ArchiveOverlay.Tests.Support;

namespace ArchiveOverlay.Tests.Archiving;

public sealed class DirectoryCopyWriterTests : IDisposable
{
    private readonly OverlayFixture _overlay = new();

    public void Dispose() => _overlay.Dispose();

    private string Copy()
    {
        var target = Path.Combine(_overlay.Scratch("out"), "copy");
        var request = new ArchiveRequest("c", "/data", target, null, ArchiveMethod.Copy, null);
        ArchiveJob.Run(request, new OverlayMount("/data", _overlay.Upper, [_overlay.Lower]));
        return target;
    }

    // What find(1) and stat(1) report of a tree: path, type, mode, owner, size, link target, device numbers.
    private static string[] Describe(string root) =>
        ExternalTool.Run("sh", "-c", $"cd '{root}' && find . -printf '%p %y %m %U:%G %s %l\\n' | sort")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Contains(" d ", StringComparison.Ordinal)
                ? string.Join(' ', line.Split(' ')[..4])
                : line)
            .ToArray();

    // lower/: gone.txt, olddir/inner.txt. The changes below cover every entry kind but sockets.
    [RootFact]
    public void CopyMirrorsEveryEntryKindWithItsMetadata()
    {
        File.WriteAllText(Path.Combine(_overlay.Lower, "gone.txt"), "gone\n");
        Directory.CreateDirectory(Path.Combine(_overlay.Lower, "olddir"));
        File.WriteAllText(Path.Combine(_overlay.Lower, "olddir", "inner.txt"), "inner\n");
        _overlay.Mount();
        _overlay.Shell(
            "rm gone.txt && rm -rf olddir && mkdir olddir && echo fresh > olddir/fresh.txt && "
            + "echo body > one && ln one two && chmod 4750 one && chown 5:6 one && "
            + "ln -s /etc/shadow link && mkfifo fifo && mknod null c 1 3 && "
            + "mkdir -m 1777 sticky && setfattr -n user.blob -v 0x00ff10 one && "
            + "touch -d '1969-07-20 20:17:40.123456789 UTC' old");
        _overlay.Unmount();

        var copy = Copy();

        Assert.Equal(Describe(_overlay.Upper), Describe(copy));
        Assert.Equal("y", ExternalTool.Run(
            "getfattr", "--only-values", "-n", "trusted.overlay.opaque", Path.Combine(copy, "olddir")));
        Assert.Contains("user.blob=0x00ff10", ExternalTool.Run(
            "getfattr", "-e", "hex", "-n", "user.blob", Path.Combine(copy, "one")), StringComparison.Ordinal);
        Assert.Equal("character special file 0 0", Stat(copy, "gone.txt", "%F %t %T"));
        Assert.Equal("character special file 1 3", Stat(copy, "null", "%F %t %T"));
        Assert.Equal(Stat(copy, "one", "%i"), Stat(copy, "two", "%i"));
        Assert.Equal(Stat(_overlay.Upper, "old", "%Y %y"), Stat(copy, "old", "%Y %y"));
        Assert.Equal(Stat(_overlay.Upper, "olddir", "%y"), Stat(copy, "olddir", "%y"));
    }

    [RootFact]
    public void OverlayBookkeepingXattrsAreDropped()
    {
        File.WriteAllText(Path.Combine(_overlay.Lower, "f"), "f");
        _overlay.Mount();
        _overlay.Shell("echo more >> f");
        _overlay.Unmount();
        ExternalTool.Run("setfattr", "-n", "trusted.overlay.origin", "-v", "0x00", Path.Combine(_overlay.Upper, "f"));

        var copy = Copy();

        var names = ExternalTool.Run("getfattr", "-d", "-m", "-", Path.Combine(copy, "f"));
        Assert.DoesNotContain("trusted.overlay", names, StringComparison.Ordinal);
    }

    [RootFact]
    public void SparseFileStaysSparse()
    {
        _overlay.Mount();
        _overlay.Shell("truncate -s 1T big && printf tail >> big");
        _overlay.Unmount();

        var copy = Copy();

        var big = Path.Combine(copy, "big");
        Assert.Equal((1L << 40) + 4, new FileInfo(big).Length);
        var allocatedKiB = long.Parse(ExternalTool.Run("du", "-k", big).Split('\t')[0], null);
        Assert.True(allocatedKiB < 1024, $"copy allocates {allocatedKiB} KiB");
        Assert.Equal("tail", ExternalTool.Run("tail", "-c", "4", big));
    }

    [RootFact]
    public void RootDirectoryModeIsAppliedAfterItsChildren()
    {
        _overlay.Mount();
        _overlay.Shell("echo x > x");
        _overlay.Unmount();
        File.SetUnixFileMode(_overlay.Upper, (UnixFileMode)0x16D);

        var copy = Copy();

        Assert.Equal("555", Stat(copy, ".", "%a"));
        Assert.Equal("x\n", File.ReadAllText(Path.Combine(copy, "x")));
    }

    private static string Stat(string root, string name, string format) =>
        ExternalTool.Run("stat", "-c", format, Path.Combine(root, name)).Trim();
}
