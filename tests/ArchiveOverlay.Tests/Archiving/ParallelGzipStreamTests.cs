using System.IO.Compression;
using ArchiveOverlay.Archiving;
using ArchiveOverlay.Tests.Support;

namespace ArchiveOverlay.Tests.Archiving;

public sealed class ParallelGzipStreamTests : IDisposable
{
    private const int ChunkSize = 64 * 1024;

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static byte[] Input(int length)
    {
        var random = new Random(length);
        var data = new byte[length];
        for (var i = 0; i < length; i++)
        {
            // Half text-like, half random, so both stored and compressed blocks occur.
            data[i] = (i / 4096) % 2 == 0 ? (byte)('a' + random.Next(4)) : (byte)random.Next(256);
        }
        return data;
    }

    private static byte[] Compress(byte[] input, int writeSize)
    {
        using var output = new MemoryStream();
        using (var gzip = new ParallelGzipStream(output, CompressionLevel.Optimal, ChunkSize))
        {
            for (var offset = 0; offset < input.Length; offset += writeSize)
            {
                gzip.Write(input.AsSpan(offset, Math.Min(writeSize, input.Length - offset)));
            }
            gzip.Finish();
        }
        return output.ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(ChunkSize - 1)]
    [InlineData(ChunkSize)]
    [InlineData(ChunkSize + 1)]
    [InlineData(37 * ChunkSize + 12345)]
    public void GzipAndPythonReadBackTheExactBytes(int length)
    {
        var input = Input(length);
        var file = _temp.Combine("data.gz");
        File.WriteAllBytes(file, Compress(input, 1000));

        ExternalTool.Run("gzip", "-t", file);
        ExternalTool.Run("python3", "-c",
            "import gzip,sys\nopen(sys.argv[2], 'wb').write(gzip.open(sys.argv[1]).read())",
            file, _temp.Combine("python.out"));
        ExternalTool.Run("sh", "-c", $"gzip -dc '{file}' > '{_temp.Combine("gzip.out")}'");

        Assert.Equal(input, File.ReadAllBytes(_temp.Combine("python.out")));
        Assert.Equal(input, File.ReadAllBytes(_temp.Combine("gzip.out")));
    }

    [Fact]
    public void SameBytesGiveTheSameFileWhateverTheWriteSizes()
    {
        var input = Input(9 * ChunkSize + 7);

        Assert.Equal(Compress(input, 1), Compress(input, 65_537));
    }

    [Fact]
    public void FlushDoesNotCutAMemberShort()
    {
        var input = Input(3 * ChunkSize);
        using var output = new MemoryStream();
        using (var gzip = new ParallelGzipStream(output, CompressionLevel.Optimal, ChunkSize))
        {
            gzip.Write(input.AsSpan(0, 100));
            gzip.Flush();
            gzip.Write(input.AsSpan(100));
            gzip.Finish();
        }

        Assert.Equal(Compress(input, ChunkSize), output.ToArray());
    }
}
