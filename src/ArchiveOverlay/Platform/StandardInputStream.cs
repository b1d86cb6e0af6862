namespace ArchiveOverlay.Platform;

/// <summary>
/// The hook's standard input, read so that a termination signal ends the wait: a runtime that
/// never closes the state pipe and then stops the hook gets an exit, not a hook blocked in read.
/// </summary>
public sealed class StandardInputStream : Stream
{
    private const int StandardInputFd = 0;
    private const int PollMilliseconds = 100;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        Read(buffer.AsSpan(offset, count));

    public override unsafe int Read(Span<byte> buffer)
    {
        WaitUntilReadable();
        fixed (byte* data = buffer)
        {
            while (true)
            {
                var read = LibC.read(StandardInputFd, data, (nuint)buffer.Length);
                if (read >= 0)
                {
                    return (int)read;
                }
                var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                {
                    continue;
                }
                if (errno == Errno.EAGAIN)
                {
                    // A non-blocking stdin that poll called readable and that had nothing after all.
                    WaitUntilReadable();
                    continue;
                }
                throw new PosixException("read", "stdin", errno);
            }
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private static unsafe void WaitUntilReadable()
    {
        while (true)
        {
            TerminationRequest.ThrowIfRequested();
            var descriptor = new LibC.PollFd { Fd = StandardInputFd, Events = LibC.POLLIN };
            var ready = LibC.poll(&descriptor, 1, PollMilliseconds);
            if (ready > 0)
            {
                // Readable, at end of input, or not open at all: read says which.
                return;
            }
            if (ready < 0)
            {
                var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                {
                    throw new PosixException("poll", "stdin", errno);
                }
            }
        }
    }
}
