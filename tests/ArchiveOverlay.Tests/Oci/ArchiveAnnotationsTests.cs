using System.Collections.Concurrent;
using ArchiveOverlay.Logging;
using ArchiveOverlay.Oci;

namespace ArchiveOverlay.Tests.Oci;

// Log is static: every test class that configures it or runs the hook shares this collection,
// which xUnit runs alone, after the parallel ones.
[Collection(LogIsolation.Name)]
public sealed class ArchiveAnnotationsTests : IDisposable
{
    private const string Prefix = "com.launchplatform.oci-hooks.archive-overlay.";

    private readonly CapturingSink _sink = new();

    public ArchiveAnnotationsTests()
    {
        Log.Configure(LogLevel.Trace, _sink);
        Log.SetContainer("test");
    }

    public void Dispose()
    {
        Log.Configure(LogLevel.Info, new StderrSink());
        Log.SetContainer("-");
        _sink.Dispose();
    }

    private static SortedDictionary<string, Dictionary<string, string>> Group(
        params (string Key, string Value)[] annotations) =>
        ArchiveAnnotations.Group(
            annotations.ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal));

    private string[] Warnings() =>
        _sink.Lines.Where(l => l.Level == LogLevel.Warning).Select(l => l.Line).ToArray();

    private static string MissingWarning(string archive, string field) =>
        $"warning [test] archive '{archive}' ignored: "
        + $"annotation '{Prefix}{archive}.{field}' is missing archive={archive}";

    private static string UnknownFieldWarning(string rest, string field) =>
        $"warning [test] annotation '{Prefix}{rest}' ignored: "
        + $"unknown field '{field}' (archive names contain no dots)";

    private static Dictionary<string, string> Required(string mountPoint, string archiveTo) =>
        new(StringComparer.Ordinal) { ["mount-point"] = mountPoint, ["archive-to"] = archiveTo };

    [Fact]
    public void FieldsAreGroupedByArchiveName()
    {
        var archives = Group(
            (Prefix + "logs.mount-point", "/var/log"),
            (Prefix + "data.archive-to", "/out/data.tar.gz"),
            (Prefix + "logs.archive-to", "/out/logs"),
            (Prefix + "data.method", "tar.gz"),
            (Prefix + "data.mount-point", "/data"),
            (Prefix + "data.success", "/out/data.ok"),
            (Prefix + "data.tar-content-owner", "1000:1000"));

        Assert.Equal(["data", "logs"], archives.Keys);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["mount-point"] = "/data",
                ["archive-to"] = "/out/data.tar.gz",
                ["method"] = "tar.gz",
                ["success"] = "/out/data.ok",
                ["tar-content-owner"] = "1000:1000",
            },
            archives["data"]);
        Assert.Equal(Required("/var/log", "/out/logs"), archives["logs"]);
        Assert.Empty(Warnings());
    }

    [Fact]
    public void NoAnnotationsGiveNoArchives()
    {
        Assert.Empty(Group());
        Assert.Empty(_sink.Lines);
    }

    [Theory]
    [InlineData("io.podman.annotations.autoremove")]
    [InlineData("com.launchplatform.oci-hooks.archive-overlay")]
    [InlineData("com.launchplatform.oci-hooks.archive-overlayx.a.mount-point")]
    [InlineData("COM.LAUNCHPLATFORM.OCI-HOOKS.ARCHIVE-OVERLAY.a.mount-point")]
    [InlineData("x.com.launchplatform.oci-hooks.archive-overlay.a.mount-point")]
    [InlineData("com.launchplatform.oci-hooks.a.mount-point")]
    public void KeysWithoutThePrefixAreIgnoredSilently(string key)
    {
        var archives = Group(
            (key, "/elsewhere"),
            (Prefix + "a.archive-to", "/out/a"));

        Assert.Empty(archives);
        Assert.Equal([MissingWarning("a", "mount-point")], Warnings());
    }

    [Fact]
    public void MountPointWithoutArchiveToDropsOnlyThatArchive()
    {
        var archives = Group(
            (Prefix + "half.mount-point", "/half"),
            (Prefix + "half.method", "tar.gz"),
            (Prefix + "whole.mount-point", "/whole"),
            (Prefix + "whole.archive-to", "/out/whole"));

        Assert.Equal(["whole"], archives.Keys);
        Assert.Equal([MissingWarning("half", "archive-to")], Warnings());
    }

    [Fact]
    public void ArchiveToWithoutMountPointDropsOnlyThatArchive()
    {
        var archives = Group(
            (Prefix + "whole.mount-point", "/whole"),
            (Prefix + "whole.archive-to", "/out/whole"),
            (Prefix + "half.archive-to", "/out/half"),
            (Prefix + "half.success", "/out/half.ok"));

        Assert.Equal(["whole"], archives.Keys);
        Assert.Equal([MissingWarning("half", "mount-point")], Warnings());
    }

    [Fact]
    public void ArchiveWithOnlyOptionalFieldsIsDropped()
    {
        var archives = Group(
            (Prefix + "opt.method", "copy"),
            (Prefix + "opt.success", "/out/ok"));

        Assert.Empty(archives);
        var warning = Assert.Single(Warnings());
        Assert.StartsWith(
            "warning [test] archive 'opt' ignored: annotation '",
            warning,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a.mountpoint", "mountpoint")]
    [InlineData("a.Mount-Point", "Mount-Point")]
    [InlineData("a.archive_to", "archive_to")]
    [InlineData("a.", "")]
    [InlineData("a.b.mount-point", "b.mount-point")]
    [InlineData("a.b.archive-to", "b.archive-to")]
    public void UnknownFieldIsDroppedWithAWarning(string rest, string field)
    {
        var archives = Group(
            (Prefix + rest, "/x"),
            (Prefix + "a.mount-point", "/data"),
            (Prefix + "a.archive-to", "/out/a"));

        var archive = Assert.Single(archives);
        Assert.Equal("a", archive.Key);
        Assert.Equal(Required("/data", "/out/a"), archive.Value);
        Assert.Equal([UnknownFieldWarning(rest, field)], Warnings());
    }

    [Fact]
    public void NameWithDotsCannotFormAnArchive()
    {
        var archives = Group(
            (Prefix + "my.data.mount-point", "/data"),
            (Prefix + "my.data.archive-to", "/out/data"));

        Assert.Empty(archives);
        Assert.Equal(
            [
                UnknownFieldWarning("my.data.mount-point", "data.mount-point"),
                UnknownFieldWarning("my.data.archive-to", "data.archive-to"),
            ],
            Warnings());
    }

    [Theory]
    [InlineData("a")]
    [InlineData("mount-point")]
    [InlineData(".mount-point")]
    [InlineData("")]
    public void KeyWithoutNameAndFieldIsDroppedWithAWarning(string rest)
    {
        var archives = Group((Prefix + rest, "/data"));

        Assert.Empty(archives);
        var expected = $"warning [test] annotation '{Prefix}{rest}' ignored: "
            + "expected '<name>.<field>' after the prefix";
        Assert.Equal([expected], Warnings());
    }

    [Fact]
    public void SeveralArchivesOfTheSameMountPointAreAllKept()
    {
        var archives = Group(
            (Prefix + "copy.mount-point", "/data"),
            (Prefix + "copy.archive-to", "/out/copy"),
            (Prefix + "tar.mount-point", "/data"),
            (Prefix + "tar.archive-to", "/out/data.tar.gz"),
            (Prefix + "tar.method", "tar.gz"));

        Assert.Equal(["copy", "tar"], archives.Keys);
        Assert.Equal("/out/copy", archives["copy"]["archive-to"]);
        Assert.Equal("/out/data.tar.gz", archives["tar"]["archive-to"]);
    }

    [Fact]
    public void ArchivesAreOrderedByNameOrdinally()
    {
        var names = new[] { "b", "a10", "B", "a2", "_", "a" };
        var annotations = names
            .SelectMany(n => new[]
            {
                (Prefix + n + ".mount-point", "/" + n),
                (Prefix + n + ".archive-to", "/o/" + n),
            })
            .ToArray();

        var archives = Group(annotations);

        Assert.Equal(["B", "_", "a", "a10", "a2", "b"], archives.Keys);
    }

    [Fact]
    public void ValuesAreKeptAsGiven()
    {
        var archives = Group(
            (Prefix + "a.mount-point", "//data/./"),
            (Prefix + "a.archive-to", " not validated here "));

        Assert.Equal("//data/./", archives["a"]["mount-point"]);
        Assert.Equal(" not validated here ", archives["a"]["archive-to"]);
    }

    [Fact]
    public void GroupingDecisionsLogNothingAboveWarning()
    {
        Group(
            (Prefix + "a.mount-point", "/data"),
            (Prefix + "b.archive-to", "/out/b"),
            (Prefix + "bogus", "x"));

        Assert.DoesNotContain(_sink.Lines, l => l.Level > LogLevel.Warning);
        Assert.Equal(3, Warnings().Length);
    }

    private sealed class CapturingSink : ILogSink
    {
        private readonly ConcurrentQueue<(LogLevel Level, string Line)> _lines = new();

        public IReadOnlyList<(LogLevel Level, string Line)> Lines => [.. _lines];

        public void Write(LogLevel level, DateTimeOffset time, string line) =>
            _lines.Enqueue((level, line));

        public void Dispose()
        {
        }
    }
}
