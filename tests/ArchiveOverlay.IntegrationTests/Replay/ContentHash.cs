using System.Buffers.Binary;
using System.Security.Cryptography;

namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>
/// Hashes what a reader of a file sees without reading its holes: only 64 KiB chunks that hold
/// data (SEEK_DATA) and are not all zeros count, with their offsets. Where the holes lie, or
/// whether zeros are stored or left as holes, does not change the hash; a 1 TiB sparse file costs
/// a few reads.
/// </summary>
internal static class ContentHash
{
    private const int ChunkSize = 64 * 1024;

    public static string Of(int fd, long size, ReadOnlySpan<byte> displayPath)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = new byte[ChunkSize];
        var offsetBytes = new byte[8];
        var hashedUpTo = 0L;
        var offset = 0L;
        while (offset < size)
        {
            var dataStart = Posix.SeekData(fd, offset, displayPath);
            if (dataStart < 0 || dataStart >= size)
            {
                break;
            }
            var dataEnd = Math.Min(Posix.SeekHole(fd, dataStart, displayPath), size);
            var firstChunk = Math.Max(dataStart / ChunkSize * ChunkSize, hashedUpTo);
            for (var start = firstChunk; start < dataEnd; start += ChunkSize)
            {
                var length = (int)Math.Min(ChunkSize, size - start);
                ReadFully(fd, chunk.AsSpan(0, length), start, displayPath);
                if (chunk.AsSpan(0, length).ContainsAnyExcept((byte)0))
                {
                    BinaryPrimitives.WriteInt64LittleEndian(offsetBytes, start);
                    hash.AppendData(offsetBytes);
                    hash.AppendData(chunk, 0, length);
                }
                hashedUpTo = start + ChunkSize;
            }
            offset = dataEnd;
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..32];
    }

    private static void ReadFully(
        int fd,
        Span<byte> buffer,
        long offset,
        ReadOnlySpan<byte> displayPath)
    {
        while (!buffer.IsEmpty)
        {
            var read = Posix.ReadAt(fd, buffer, offset, displayPath);
            if (read == 0)
            {
                throw new IOException($"'{ByteText.Display(displayPath)}' ended before its size");
            }
            buffer = buffer[read..];
            offset += read;
        }
    }
}
