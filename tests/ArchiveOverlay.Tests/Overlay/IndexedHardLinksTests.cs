using ArchiveOverlay.Archiving;
using ArchiveOverlay.Oci;
using ArchiveOverlay.Overlay;
using ArchiveOverlay.Tests.Support;

namespace ArchiveOverlay.Tests.Overlay;

public sealed class IndexedHardLinksTests : IDisposable
{
    private readonly OverlayFixture _overlay = new();

    public void Dispose() => _overlay.Dispose();

    private void Archive(string target) =>
        ArchiveJob.Run(
            new ArchiveRequest("a", "/data", target, null, ArchiveMethod.Copy, null),
            new OverlayMount("/data", _overlay.Upper, [_overlay.Lower], OverlayFlavor.Kernel, _overlay.Work));

    // With index=on, writing through one name of a lower hard link changes what every name shows;
    // the upperdir holds the one name, so an archive of it would be wrong, and is refused.
    [RootFact]
    public void CopiedUpHardLinkOfAnIndexedMountIsRefused()
    {
        File.WriteAllText(Path.Combine(_overlay.Lower, "f"), "orig\n");
        File.CreateSymbolicLink(Path.Combine(_overlay.Lower, "unrelated"), "f");
        ExternalTool.Run("ln", Path.Combine(_overlay.Lower, "f"), Path.Combine(_overlay.Lower, "g"));
        _overlay.Mount("index=on");
        _overlay.Shell("echo changed > f && test \"$(cat g)\" = changed");
        _overlay.Unmount();
        var target = Path.Combine(_overlay.Scratch("out"), "copy");

        var error = Assert.Throws<IOException>(() => Archive(target));

        Assert.StartsWith(
            "the overlay at '/data' was mounted with index=on and its index",
            error.Message,
            StringComparison.Ordinal);
        Assert.False(Path.Exists(target));
    }

    [RootFact]
    public void IndexedMountWithoutCopiedUpHardLinksIsArchived()
    {
        File.WriteAllText(Path.Combine(_overlay.Lower, "f"), "orig\n");
        _overlay.Mount("index=on");
        _overlay.Shell("echo changed > f && echo new > n");
        _overlay.Unmount();
        var target = Path.Combine(_overlay.Scratch("out"), "copy");

        Archive(target);

        Assert.True(Directory.Exists(Path.Combine(_overlay.Work, "index")));
        Assert.Equal("changed\n", File.ReadAllText(Path.Combine(target, "f")));
    }
}
