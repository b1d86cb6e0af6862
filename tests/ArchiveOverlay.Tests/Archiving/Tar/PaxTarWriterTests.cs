using System.Text;
using ArchiveOverlay.Archiving.Tar;
using ArchiveOverlay.Platform;
using ArchiveOverlay.Tests.Support;

namespace ArchiveOverlay.Tests.Archiving.Tar;

public sealed class PaxTarWriterTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    // Writes entries to an uncompressed tar file and returns its path.
    private string WriteTar(params (TarEntryHeader Header, byte[] Data)[] entries)
    {
        var path = _temp.Combine("test.tar");
        using (var file = File.Create(path))
        {
            var writer = new PaxTarWriter(file);
            foreach (var (header, data) in entries)
            {
                writer.WriteHeader(header);
                writer.WriteData(data);
            }
            writer.Finish();
        }
        return path;
    }

    private static TarEntryHeader RegularFile(byte[] name, long size) =>
        new() { Name = name, Type = TarEntryType.RegularFile, Mode = 0x1A4, Size = size };

    [Theory]
    [InlineData(99)]
    [InlineData(100)]
    [InlineData(101)]
    [InlineData(255)]
    [InlineData(300)]
    [InlineData(5000)]
    public void LongNamesSurviveGnuTarAndPython(int length)
    {
        var name = "./" + string.Join('/', Enumerable.Repeat("d", length / 2)) + "/f";
        name = name[..Math.Min(name.Length, length)].TrimEnd('/') + "x";

        var tar = WriteTar((RegularFile(Encoding.ASCII.GetBytes(name), 1), "z"u8.ToArray()));

        Assert.Equal([name], ExternalTool.Run("tar", "-tf", tar).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(name, TarListing.ReadWithPython(tar).Single().Name);
    }

    [Fact]
    public void NamesThatAreNotUtf8AreKeptByteForByte()
    {
        byte[] shortName = [.. "./bad-"u8, 0xff, 0xfe, (byte)'!'];
        byte[] longName = [.. "./"u8, .. Enumerable.Repeat((byte)'a', 120), 0x80];

        var tar = WriteTar((RegularFile(shortName, 0), []), (RegularFile(longName, 0), []));

        var restored = _temp.Combine("restored");
        Directory.CreateDirectory(restored);
        ExternalTool.Run("tar", "-xf", tar, "-C", restored);
        using var directory = FileDescriptor.OpenDirectory(restored);
        var names = FileOperations.ReadDirectory(directory.Value, "."u8)
            .Select(n => Convert.ToHexString(n))
            .Order()
            .ToArray();
        string[] expected = [Convert.ToHexString(shortName[2..]), Convert.ToHexString(longName[2..])];
        Assert.Equal(expected.Order().ToArray(), names);
    }

    [Fact]
    public void LargeIdsNegativeTimesAndNanosecondsUseExtendedRecords()
    {
        var header = new TarEntryHeader
        {
            Name = "./f"u8.ToArray(),
            Type = TarEntryType.RegularFile,
            Mode = 0x1A4,
            Uid = 4_294_967_294,
            Gid = 2_097_152,
            ModifiedSeconds = -14_182_940,
            ModifiedNanoseconds = 250_000_000,
        };

        var member = TarListing.ReadWithPython(WriteTar((header, []))).Single();

        Assert.Equal((4_294_967_294L, 2_097_152L), (member.Uid, member.Gid));
        Assert.Equal(-14_182_939.75, member.ModifiedTime, precision: 6);
        var restored = _temp.Combine("restored");
        Directory.CreateDirectory(restored);
        ExternalTool.Run("tar", "--numeric-owner", "-xpf", _temp.Combine("test.tar"), "-C", restored);
        var stat = ExternalTool.Run("env", "TZ=UTC", "stat", "-c", "%u/%g %y", Path.Combine(restored, "f")).Trim();
        Assert.Equal("4294967294/2097152 1969-07-20 20:17:40.250000000 +0000", stat);
    }

    [Fact]
    public void SizeAboveEightGibibytesGetsAnExtendedSizeRecord()
    {
        using var output = new MemoryStream();
        var writer = new PaxTarWriter(output);

        writer.WriteHeader(RegularFile("./huge"u8.ToArray(), 9L << 30));

        var text = Encoding.ASCII.GetString(output.ToArray());
        Assert.Contains(" size=9663676416\n", text, StringComparison.Ordinal);
        Assert.Equal(9L << 30, writer.DataRemaining);
    }

    [Fact]
    public void XattrValuesAreBinaryAndNamesAreBytes()
    {
        byte[] capability = [0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0xff];
        var header = new TarEntryHeader
        {
            Name = "./f"u8.ToArray(),
            Type = TarEntryType.RegularFile,
            Xattrs = [new XattrEntry("security.capability"u8.ToArray(), capability)],
        };

        var member = TarListing.ReadWithPython(WriteTar((header, []))).Single();

        Assert.Equal(TarListing.Hex(capability), member.XattrsHex[TarListing.Hex("security.capability")]);
    }

    [Fact]
    public void XattrNamesWithEqualsPercentSignsAndNewlinesAreStoredAsGnuTarDoes()
    {
        var header = new TarEntryHeader
        {
            Name = "./f"u8.ToArray(),
            Type = TarEntryType.RegularFile,
            Mode = 0x1A4,
            Xattrs =
            [
                new XattrEntry("user.a=b"u8.ToArray(), [1]),
                new XattrEntry("user.p%3Dq"u8.ToArray(), [2]),
                new XattrEntry("user.n\nl"u8.ToArray(), [3]),
            ],
        };

        var tar = WriteTar((header, []));

        var member = TarListing.ReadWithPython(tar).Single();
        Assert.Equal(
            [TarListing.Hex("user.a%3Db"), TarListing.Hex("user.n\nl"), TarListing.Hex("user.p%253Dq")],
            member.XattrsHex.Keys.Order(StringComparer.Ordinal).ToArray());
        var restored = _temp.Combine("restored");
        Directory.CreateDirectory(restored);
        ExternalTool.Run("tar", "--xattrs", "--xattrs-include=*", "-xf", tar, "-C", restored);
        var names = ExternalTool.Run("getfattr", "-d", "-m", "-", "-e", "hex", Path.Combine(restored, "f"));
        Assert.Contains("user.a\\075b=0x01", names, StringComparison.Ordinal);
        Assert.Contains("user.p%3Dq=0x02", names, StringComparison.Ordinal);
        Assert.Contains("user.n\\012l=0x03", names, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0L, 0u, "0")]
    [InlineData(1L, 500_000_000u, "1.5")]
    [InlineData(-2L, 500_000_000u, "-1.5")]
    [InlineData(-1L, 1u, "-0.999999999")]
    [InlineData(1_700_000_000L, 123_456_789u, "1700000000.123456789")]
    public void TimesAreFormattedAsPaxDecimals(long seconds, uint nanoseconds, string expected)
    {
        Assert.Equal(expected, PaxTarWriter.FormatTime(seconds, nanoseconds));
    }

    // Regions: "abc" + 509 zero bytes at 0, "de" + 510 zero bytes at 5120, the end of the file at 10000.
    [Fact]
    public void SparseFilesReadTheSameInGnuTarAndPython()
    {
        var header = new TarEntryHeader
        {
            Name = "./s"u8.ToArray(),
            Type = TarEntryType.RegularFile,
            Size = 10_000,
            SparseMap = [(0, 512), (5120, 512), (10_000, 0)],
        };
        byte[] data = [.. "abc"u8, .. new byte[509], .. "de"u8, .. new byte[510]];

        var tar = WriteTar((header, data));

        var member = TarListing.ReadWithPython(tar).Single();
        Assert.Equal(("./s", 10_000L), (member.Name, member.Size));
        var restored = _temp.Combine("restored");
        Directory.CreateDirectory(restored);
        ExternalTool.Run("tar", "-xf", tar, "-C", restored);
        ExternalTool.Run("python3", "-c", "import tarfile,sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2])",
            tar, _temp.Combine("python"));
        foreach (var root in new[] { restored, _temp.Combine("python") })
        {
            var bytes = System.IO.File.ReadAllBytes(Path.Combine(root, "s"));
            Assert.Equal(10_000, bytes.Length);
            Assert.Equal("abc"u8.ToArray(), bytes[..3]);
            Assert.Equal("de"u8.ToArray(), bytes[5120..5122]);
            Assert.Equal(5, bytes.Count(b => b != 0));
        }
    }

    [Fact]
    public void SparseRegionsThatAreNotWholeBlocksAreRefused()
    {
        var header = new TarEntryHeader
        {
            Name = "./s"u8.ToArray(),
            Type = TarEntryType.RegularFile,
            Size = 10_000,
            SparseMap = [(0, 3), (5000, 2)],
        };

        Assert.Throws<ArgumentException>(() => new PaxTarWriter(new MemoryStream()).WriteHeader(header));
    }

    [Theory]
    [InlineData(new long[] { 0, 3 }, 100L, new long[] { 0, 100 })]
    [InlineData(new long[] { 0, 3, 600, 10 }, 5000L, new long[] { 0, 1024 })]
    [InlineData(new long[] { 4096, 4096, 1_000_000, 5 }, 1_000_005L, new long[] { 4096, 4096, 999_936, 69 })]
    public void RegionsAreAlignedToWholeBlocks(long[] regions, long size, long[] expected)
    {
        var pairs = regions.Chunk(2).Select(p => (p[0], p[1])).ToList();

        var aligned = ArchiveOverlay.Archiving.FileContent.AlignToBlocks(pairs, size);

        Assert.Equal(expected.Chunk(2).Select(p => (p[0], p[1])).ToList(), aligned);
    }
}
