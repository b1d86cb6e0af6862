using ArchiveOverlay.Archiving;
using ArchiveOverlay.Oci;

namespace ArchiveOverlay.Tests.Oci;

public sealed class OutputClashesTests
{
    private static ArchiveRequest Request(string name, string archiveTo, string? success = null) =>
        new(name, "/data", archiveTo, success, ArchiveMethod.Copy, null);

    [Fact]
    public void SeparateOutputsDoNotClash()
    {
        ArchiveRequest[] requests =
        [
            Request("a", "/out/a", "/out/a.ok"),
            Request("b", "/out/b.tar.gz", "/out/b.ok"),
            Request("c", "/out/ab"),
        ];

        Assert.Empty(OutputClashes.Find(requests));
    }

    [Theory]
    [InlineData("/out/a", "its archive-to '/out/a' overlaps the success '/out/a' of archive 'b'",
        "its success '/out/a' overlaps the archive-to '/out/a' of archive 'a'")]
    [InlineData("/out/a/d/ok", "its archive-to '/out/a' overlaps the success '/out/a/d/ok' of archive 'b'",
        "its success '/out/a/d/ok' overlaps the archive-to '/out/a' of archive 'a'")]
    [InlineData("/out", "its archive-to '/out/a' overlaps the success '/out' of archive 'b'",
        "its success '/out' overlaps the archive-to '/out/a' of archive 'a'")]
    [InlineData("/out/a.ok", "its success '/out/a.ok' overlaps the success '/out/a.ok' of archive 'b'",
        "its success '/out/a.ok' overlaps the success '/out/a.ok' of archive 'a'")]
    public void OutputThatIsOrHoldsOrLiesInsideAnotherClashesOnBothSides(
        string otherSuccess,
        string expectedForA,
        string expectedForB)
    {
        ArchiveRequest[] requests =
        [
            Request("a", "/out/a", "/out/a.ok"),
            Request("b", "/elsewhere/b", otherSuccess),
            Request("c", "/other/c"),
        ];

        var clashes = OutputClashes.Find(requests);

        Assert.Equal(["a", "b"], clashes.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(expectedForA, clashes["a"]);
        Assert.Equal(expectedForB, clashes["b"]);
    }

    [Fact]
    public void RootAsAParentHoldsEverything()
    {
        Assert.True(ArchiveOverlay.Platform.LexicalPath.IsBelow("/x", "/"));
        Assert.False(ArchiveOverlay.Platform.LexicalPath.IsBelow("/", "/"));
        Assert.False(ArchiveOverlay.Platform.LexicalPath.IsBelow("/out/ab", "/out/a"));
        Assert.True(ArchiveOverlay.Platform.LexicalPath.IsBelow("/out/a/b", "/out/a"));
    }
}
