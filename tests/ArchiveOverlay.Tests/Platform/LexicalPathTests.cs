using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Tests.Platform;

public sealed class LexicalPathTests
{
    // The expected values are what Go's path.Clean returns for the same input.
    [Theory]
    [InlineData("", ".")]
    [InlineData(".", ".")]
    [InlineData("/", "/")]
    [InlineData("//", "/")]
    [InlineData("///a///", "/a")]
    [InlineData("/a/b/../c", "/a/c")]
    [InlineData("/a/b/./c/", "/a/b/c")]
    [InlineData("/..", "/")]
    [InlineData("/../../a", "/a")]
    [InlineData("/a/../..", "/")]
    [InlineData("..", "..")]
    [InlineData("a/..", ".")]
    [InlineData("a/../..", "..")]
    [InlineData("../../a", "../../a")]
    [InlineData("a/b/../../../c", "../c")]
    [InlineData("a//b/./c/", "a/b/c")]
    [InlineData("./a", "a")]
    [InlineData("...", "...")]
    [InlineData("/a/.../b", "/a/.../b")]
    [InlineData("/a/..b/.c", "/a/..b/.c")]
    public void CleanGivesTheShortestEquivalentPath(string path, string expected)
    {
        Assert.Equal(expected, LexicalPath.Clean(path));
    }

    [Theory]
    [InlineData("/data", "/data")]
    [InlineData("/var/lib/x.tar.gz", "/var/lib/x.tar.gz")]
    [InlineData("relative/path", "relative/path")]
    public void CleanLeavesACleanPathAsItIs(string path, string expected)
    {
        Assert.Equal(expected, LexicalPath.Clean(path));
    }

    [Theory]
    [InlineData("/a", "/", "a")]
    [InlineData("/a/b", "/a", "b")]
    [InlineData("/a/b/merge", "/a/b", "merge")]
    [InlineData("/", "/", "")]
    public void SplitGivesTheParentAndTheLastElement(string path, string parent, string name)
    {
        Assert.Equal((parent, name), LexicalPath.Split(path));
    }
}
