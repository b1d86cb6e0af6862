using System.Buffers;
using System.IO.Compression;

namespace ArchiveOverlay.Archiving;

/// <summary>
/// A write-only gzip stream that compresses on every core: the input is cut into fixed-size chunks,
/// each compressed as its own gzip member, and the members are written in order. A gzip file may
/// hold several members (RFC 1952, section 2.2); gzip, GNU tar, Python and Go read them as one
/// stream. The chunking depends on the bytes alone, so the same input gives the same file.
/// </summary>
public sealed class ParallelGzipStream : Stream
{
    public const int DefaultChunkSize = 1024 * 1024;

    private readonly Stream _output;
    private readonly CompressionLevel _level;
    private readonly int _chunkSize;
    private readonly int _maxPending;
    private readonly Queue<Task<Compressed>> _pending = new();
    private byte[] _chunk;
    private int _chunkLength;
    private bool _wroteMember;
    private bool _finished;

    public ParallelGzipStream(Stream output, CompressionLevel level, int chunkSize = DefaultChunkSize)
    {
        _output = output;
        _level = level;
        _chunkSize = chunkSize;
        _maxPending = Math.Max(2, Environment.ProcessorCount * 2);
        _chunk = ArrayPool<byte>.Shared.Rent(chunkSize);
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_finished;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        while (!buffer.IsEmpty)
        {
            var count = Math.Min(buffer.Length, _chunkSize - _chunkLength);
            buffer[..count].CopyTo(_chunk.AsSpan(_chunkLength));
            _chunkLength += count;
            buffer = buffer[count..];
            if (_chunkLength == _chunkSize)
            {
                SubmitChunk();
            }
        }
    }

    /// <summary>Writes the members compressed so far; an unfinished chunk stays, so members stay whole.</summary>
    public override void Flush()
    {
        while (_pending.Count > 0 && _pending.Peek().IsCompleted)
        {
            WriteNextMember();
        }
        _output.Flush();
    }

    /// <summary>Compresses the last chunk and writes every member; an empty input gives one empty member.</summary>
    public void Finish()
    {
        if (_chunkLength > 0 || (!_wroteMember && _pending.Count == 0))
        {
            SubmitChunk();
        }
        while (_pending.Count > 0)
        {
            WriteNextMember();
        }
        _output.Flush();
        _finished = true;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // After a failure the queued work is only waited for, so its buffers return to the pool.
            while (_pending.Count > 0)
            {
                var task = _pending.Dequeue();
                try
                {
                    task.Wait();
                    ArrayPool<byte>.Shared.Return(task.Result.Buffer);
                }
                catch (AggregateException)
                {
                }
            }
            ArrayPool<byte>.Shared.Return(_chunk);
            _chunk = [];
            _finished = true;
        }
        base.Dispose(disposing);
    }

    private void SubmitChunk()
    {
        var chunk = _chunk;
        var length = _chunkLength;
        var level = _level;
        _pending.Enqueue(Task.Run(() => Compress(chunk, length, level)));
        _wroteMember = true;
        _chunk = ArrayPool<byte>.Shared.Rent(_chunkSize);
        _chunkLength = 0;
        if (_pending.Count >= _maxPending)
        {
            WriteNextMember();
        }
    }

    private void WriteNextMember()
    {
        var compressed = _pending.Dequeue().GetAwaiter().GetResult();
        try
        {
            _output.Write(compressed.Buffer, 0, compressed.Length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(compressed.Buffer);
        }
    }

    private static Compressed Compress(byte[] chunk, int length, CompressionLevel level)
    {
        try
        {
            if (length == 0)
            {
                // GZipStream writes nothing for no input; a valid member holds an empty final block.
                ReadOnlySpan<byte> empty = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0];
                var buffer = ArrayPool<byte>.Shared.Rent(empty.Length);
                empty.CopyTo(buffer);
                return new Compressed(buffer, empty.Length);
            }
            using var member = new PooledBufferStream(length / 2 + 1024);
            using (var gzip = new GZipStream(member, level, leaveOpen: true))
            {
                gzip.Write(chunk, 0, length);
            }
            return member.Detach();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private readonly record struct Compressed(byte[] Buffer, int Length);

    // A growable write-only buffer from the shared pool, handed over whole when the member is done.
    private sealed class PooledBufferStream(int initialCapacity) : Stream
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
        private int _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_length + buffer.Length > _buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_length + buffer.Length, _buffer.Length * 2));
                _buffer.AsSpan(0, _length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }
            buffer.CopyTo(_buffer.AsSpan(_length));
            _length += buffer.Length;
        }

        public Compressed Detach()
        {
            var result = new Compressed(_buffer, _length);
            _buffer = [];
            return result;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && _buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = [];
            }
            base.Dispose(disposing);
        }
    }
}
