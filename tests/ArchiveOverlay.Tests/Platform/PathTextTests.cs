using System.Text;
using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Tests.Platform;

public sealed class PathTextTests
{
    [Theory]
    [InlineData("plain.txt")]
    [InlineData("/var/lib/data")]
    [InlineData("caf\u00e9 \u65e5\u672c \U0001F600")]
    [InlineData("")]
    public void ValidUtf8IsDisplayedAsItIs(string name)
    {
        Assert.Equal(name, PathText.Display(Encoding.UTF8.GetBytes(name)));
    }

    [Theory]
    [InlineData(new byte[] { 0xff }, @"\xff")]
    [InlineData(new byte[] { (byte)'a', 0xff, (byte)'b' }, @"a\xffb")]
    [InlineData(new byte[] { 0xc3, (byte)'(' }, @"\xc3(")]
    [InlineData(new byte[] { (byte)'x', 0xe2, 0x82 }, @"x\xe2\x82")]
    [InlineData(new byte[] { 0xc0, 0xaf }, @"\xc0\xaf")]
    [InlineData(new byte[] { 0xed, 0xa0, 0x80 }, @"\xed\xa0\x80")]
    [InlineData(new byte[] { 0xc3, 0xa9, 0x80 }, "\u00e9\\x80")]
    public void InvalidBytesAreDisplayedAsHexEscapes(byte[] name, string expected)
    {
        Assert.Equal(expected, PathText.Display(name));
    }

    [Theory]
    [InlineData(new byte[] { (byte)'a', (byte)'\n', (byte)'b' }, @"a\x0ab")]
    [InlineData(new byte[] { (byte)'\t' }, @"\x09")]
    [InlineData(new byte[] { (byte)'\r', (byte)'x' }, @"\x0dx")]
    [InlineData(new byte[] { 0x1b, (byte)'[', (byte)'m' }, @"\x1b[m")]
    [InlineData(new byte[] { 0x00 }, @"\x00")]
    [InlineData(new byte[] { 0x1f, 0xc3, 0xa9, 0xff }, "\\x1f\u00e9\\xff")]
    public void ControlCharactersAreDisplayedAsHexEscapes(byte[] name, string expected)
    {
        Assert.Equal(expected, PathText.Display(name));
    }

    [Fact]
    public void SpaceIsTheFirstCharacterDisplayedAsItIs()
    {
        Assert.Equal(" ", PathText.Display(" "u8));
    }

    [Fact]
    public void NulTerminatedBytesEndWithOneNul()
    {
        byte[] name = [(byte)'a', 0xff, (byte)'/'];

        Assert.Equal(new byte[] { (byte)'a', 0xff, (byte)'/', 0 }, PathText.NulTerminated(name));
    }

    [Fact]
    public void NulTerminatedEmptyPathIsOneNul()
    {
        Assert.Equal(new byte[] { 0 }, PathText.NulTerminated(ReadOnlySpan<byte>.Empty));
        Assert.Equal(new byte[] { 0 }, PathText.NulTerminated(""));
    }

    [Fact]
    public void NulTerminatedTextIsEncodedAsUtf8()
    {
        Assert.Equal(new byte[] { (byte)'/', 0xc3, 0xa9, 0 }, PathText.NulTerminated("/\u00e9"));
    }

    [Theory]
    [InlineData(new byte[] { (byte)'a' }, true)]
    [InlineData(new byte[] { 0xc3, 0xa9 }, true)]
    [InlineData(new byte[] { 0xc3 }, false)]
    [InlineData(new byte[] { 0xff }, false)]
    public void IsValidUtf8TellsWhetherBytesDecode(byte[] bytes, bool expected)
    {
        Assert.Equal(expected, PathText.IsValidUtf8(bytes));
    }

    [Fact]
    public void TryDecodeStrictRejectsInvalidUtf8()
    {
        Assert.True(PathText.TryDecodeStrict("caf\u00e9"u8, out var text));
        Assert.Equal("caf\u00e9", text);
        Assert.False(PathText.TryDecodeStrict([0x61, 0xff], out _));
    }
}
