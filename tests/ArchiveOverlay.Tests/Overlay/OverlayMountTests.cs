using ArchiveOverlay.Oci;
using ArchiveOverlay.Overlay;
using ArchiveOverlay.Tests.Support;

namespace ArchiveOverlay.Tests.Overlay;

public sealed class OverlayMountTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static MountEntry Overlay(string destination, params string[] options) => new()
    {
        Destination = destination,
        Type = "overlay",
        Source = "overlay",
        Options = [.. options],
    };

    private static MountEntry Bind(string destination, string source) => new()
    {
        Destination = destination,
        Type = "bind",
        Source = source,
        Options = ["rbind", "rw"],
    };

    private static InvalidInputException Reject(
        MountEntry[] mounts,
        string mountPoint = "/data") =>
        Assert.Throws<InvalidInputException>(() => OverlayMount.Find(mounts, mountPoint));

    // The layout containers/common makes for a volume overlaid through fuse-overlayfs:
    //   overlay/ID/merge   the bind mount's source
    //   overlay/ID/upper   the upperdir
    //   overlay/ID/work    the workdir
    private string FuseOverlayLayout(params string[] subdirectories)
    {
        var layerDir = _temp.Combine("overlay", "0123abcd");
        foreach (var subdirectory in subdirectories)
        {
            Directory.CreateDirectory(Path.Combine(layerDir, subdirectory));
        }
        return layerDir;
    }

    [Fact]
    public void OverlayMountIsFoundByItsDestination()
    {
        MountEntry[] mounts =
        [
            new() { Destination = "/proc", Type = "proc", Source = "proc" },
            Overlay("/data", "lowerdir=/l", "upperdir=/u", "workdir=/w"),
            Overlay("/other", "lowerdir=/l2", "upperdir=/u2", "workdir=/w2"),
        ];

        var mount = OverlayMount.Find(mounts, "/data");

        Assert.Equal("/data", mount.Destination);
        Assert.Equal("/u", mount.UpperDir);
        Assert.Equal(["/l"], mount.LowerDirs);
    }

    [Theory]
    [InlineData("/data/", "/data")]
    [InlineData("/data", "//data/./")]
    [InlineData("//data/x/..", "/data/")]
    public void DestinationAndMountPointAreComparedClean(string mountPoint, string destination)
    {
        MountEntry[] mounts = [Overlay(destination, "lowerdir=/l", "upperdir=/u", "workdir=/w")];

        var mount = OverlayMount.Find(mounts, mountPoint);

        Assert.Equal("/data", mount.Destination);
        Assert.Equal("/u", mount.UpperDir);
    }

    [Fact]
    public void OptionsMayBeSeparateItems()
    {
        MountEntry[] mounts =
        [
            Overlay("/data", "ro", "lowerdir=/l1:/l2", "upperdir=/u", "workdir=/w", "nodev"),
        ];

        var mount = OverlayMount.Find(mounts, "/data");

        Assert.Equal("/u", mount.UpperDir);
        Assert.Equal(["/l1", "/l2"], mount.LowerDirs);
    }

    [Fact]
    public void OptionsMayBeOneCommaJoinedItem()
    {
        MountEntry[] mounts =
        [
            Overlay("/data", "lowerdir=/l1:/l2,upperdir=/u,workdir=/w,private"),
        ];

        var mount = OverlayMount.Find(mounts, "/data");

        Assert.Equal("/u", mount.UpperDir);
        Assert.Equal(["/l1", "/l2"], mount.LowerDirs);
    }

    [Fact]
    public void SplitOptionsFlattensItemsAndDropsEmptyOnes()
    {
        var options = OverlayMount.SplitOptions(["a,b", "c", "", ",d,,e,"]);

        Assert.Equal(["a", "b", "c", "d", "e"], options);
    }

    [Fact]
    public void LowerDirsKeepTheirOrderTopFirst()
    {
        MountEntry[] mounts =
        [
            Overlay("/data", "lowerdir=/top:/middle::/bottom", "upperdir=/u", "workdir=/w"),
        ];

        var mount = OverlayMount.Find(mounts, "/data");

        Assert.Equal(["/top", "/middle", "/bottom"], mount.LowerDirs);
    }

    [Fact]
    public void OverlayWithoutLowerDirHasNoLowerDirs()
    {
        MountEntry[] mounts = [Overlay("/data", "upperdir=/u", "workdir=/w")];

        var mount = OverlayMount.Find(mounts, "/data");

        Assert.Empty(mount.LowerDirs);
    }

    [Fact]
    public void LastMountAtADestinationWins()
    {
        MountEntry[] mounts =
        [
            Overlay("/data", "lowerdir=/l1", "upperdir=/first", "workdir=/w1"),
            Overlay("/other", "lowerdir=/l3", "upperdir=/third", "workdir=/w3"),
            Overlay("/data/", "lowerdir=/l2", "upperdir=/second", "workdir=/w2"),
        ];

        var mount = OverlayMount.Find(mounts, "/data");

        Assert.Equal("/second", mount.UpperDir);
        Assert.Equal(["/l2"], mount.LowerDirs);
    }

    [Fact]
    public void LaterBindMountHidesAnEarlierOverlay()
    {
        MountEntry[] mounts =
        [
            Overlay("/data", "lowerdir=/l", "upperdir=/u", "workdir=/w"),
            Bind("/data", "/srv/data"),
        ];

        var error = Reject(mounts);

        Assert.Equal("mount at '/data' is not an overlay mount (type 'bind')", error.Message);
    }

    [Theory]
    [InlineData("/data")]
    [InlineData("/data/")]
    [InlineData("//data/.")]
    public void NoMountAtTheMountPointIsAnError(string mountPoint)
    {
        MountEntry[] mounts =
        [
            Overlay("/data/sub", "lowerdir=/l", "upperdir=/u", "workdir=/w"),
            Overlay("/dat", "lowerdir=/l", "upperdir=/u", "workdir=/w"),
            new() { Type = "overlay", Options = ["upperdir=/u"] },
        ];

        var error = Reject(mounts, mountPoint);

        Assert.Equal("no mount at mount point '/data' in config.json", error.Message);
    }

    [Fact]
    public void NoMountsAtAllIsAnError()
    {
        var error = Reject([]);

        Assert.Equal("no mount at mount point '/data' in config.json", error.Message);
    }

    [Theory]
    [InlineData("bind")]
    [InlineData("tmpfs")]
    [InlineData("Overlay")]
    [InlineData("fuse.fuse-overlayfs")]
    public void MountOfAnotherTypeIsNotAnOverlay(string type)
    {
        MountEntry[] mounts =
        [
            new() { Destination = "/data", Type = type, Options = ["upperdir=/u"] },
        ];

        var error = Reject(mounts);

        Assert.Equal($"mount at '/data' is not an overlay mount (type '{type}')", error.Message);
    }

    [Fact]
    public void MountWithoutTypeIsNotAnOverlay()
    {
        MountEntry[] mounts =
        [
            new() { Destination = "/data", Source = "/srv", Options = ["upperdir=/u"] },
        ];

        var error = Reject(mounts);

        Assert.Equal("mount at '/data' is not an overlay mount (type '')", error.Message);
    }

    [Theory]
    [InlineData("lowerdir=/l1:/l2")]
    [InlineData("lowerdir=/l1:/l2", "ro")]
    [InlineData("lowerdir=/l,workdir=/w,upperdirx=/u")]
    [InlineData("lowerdir=/l", "UPPERDIR=/u")]
    public void OverlayWithoutUpperDirIsReadOnly(params string[] options)
    {
        MountEntry[] mounts = [Overlay("/data/", options)];

        var error = Reject(mounts);

        Assert.Equal(
            "overlay mount at '/data' has no upperdir option: it is read-only, nothing to archive",
            error.Message);
    }

    [Fact]
    public void OverlayWithoutOptionsIsReadOnly()
    {
        MountEntry[] mounts =
        [
            new() { Destination = "/data", Type = "overlay", Source = "overlay" },
        ];

        var error = Reject(mounts);

        Assert.Equal(
            "overlay mount at '/data' has no upperdir option: it is read-only, nothing to archive",
            error.Message);
    }

    [Theory]
    [InlineData("upperdir=u")]
    [InlineData("upperdir=./u")]
    [InlineData("upperdir=")]
    public void RelativeUpperDirIsAnError(string upperDirOption)
    {
        MountEntry[] mounts = [Overlay("/data", "lowerdir=/l", upperDirOption, "workdir=/w")];

        var error = Reject(mounts);

        var upperDir = upperDirOption["upperdir=".Length..];
        Assert.Equal(
            $"overlay mount at '/data' has a relative upperdir '{upperDir}'",
            error.Message);
    }

    [Fact]
    public void FuseOverlayMergeBindResolvesToTheUpperDirBesideIt()
    {
        var layerDir = FuseOverlayLayout("merge", "upper", "work");
        MountEntry[] mounts = [Bind("/data", Path.Combine(layerDir, "merge"))];

        var mount = OverlayMount.Find(mounts, "/data");

        Assert.Equal("/data", mount.Destination);
        Assert.Equal(Path.Combine(layerDir, "upper"), mount.UpperDir);
        Assert.Empty(mount.LowerDirs);
    }

    [Fact]
    public void FuseOverlayMergeSourceIsComparedClean()
    {
        var layerDir = FuseOverlayLayout("merge", "upper", "work");
        MountEntry[] mounts = [Bind("/data", layerDir + "//merge/./")];

        var mount = OverlayMount.Find(mounts, "/data");

        Assert.Equal(Path.Combine(layerDir, "upper"), mount.UpperDir);
    }

    [Theory]
    [InlineData("merge", "upper")]
    [InlineData("merge", "work")]
    [InlineData("merge")]
    public void FuseOverlayLayoutWithoutUpperAndWorkIsNotAnOverlay(params string[] subdirectories)
    {
        var layerDir = FuseOverlayLayout(subdirectories);
        MountEntry[] mounts = [Bind("/data", Path.Combine(layerDir, "merge"))];

        var error = Reject(mounts);

        Assert.Equal("mount at '/data' is not an overlay mount (type 'bind')", error.Message);
    }

    [Fact]
    public void UpperThatIsAFileIsNotAFuseOverlayUpperDir()
    {
        var layerDir = FuseOverlayLayout("merge", "work");
        File.WriteAllText(Path.Combine(layerDir, "upper"), "");
        MountEntry[] mounts = [Bind("/data", Path.Combine(layerDir, "merge"))];

        var error = Reject(mounts);

        Assert.Equal("mount at '/data' is not an overlay mount (type 'bind')", error.Message);
    }

    [Theory]
    [InlineData("merged")]
    [InlineData("upper")]
    [InlineData("diff")]
    public void BindOfAnotherDirectoryBesideUpperAndWorkIsNotAnOverlay(string sourceName)
    {
        var layerDir = FuseOverlayLayout("merge", "merged", "upper", "work", "diff");
        MountEntry[] mounts = [Bind("/data", Path.Combine(layerDir, sourceName))];

        var error = Reject(mounts);

        Assert.Equal("mount at '/data' is not an overlay mount (type 'bind')", error.Message);
    }

    [Fact]
    public void MergeBindOutsideAnOverlayDirectoryIsNotAnOverlay()
    {
        var layerDir = _temp.Combine("volumes", "0123abcd");
        foreach (var subdirectory in new[] { "merge", "upper", "work" })
        {
            Directory.CreateDirectory(Path.Combine(layerDir, subdirectory));
        }
        MountEntry[] mounts = [Bind("/data", Path.Combine(layerDir, "merge"))];

        var error = Reject(mounts);

        Assert.Equal("mount at '/data' is not an overlay mount (type 'bind')", error.Message);
    }

    [Fact]
    public void RelativeMergeSourceIsNotAnOverlay()
    {
        MountEntry[] mounts = [Bind("/data", "overlay/0123abcd/merge")];

        var error = Reject(mounts);

        Assert.Equal("mount at '/data' is not an overlay mount (type 'bind')", error.Message);
    }
}
