using System.Globalization;
using System.Text;

namespace ArchiveOverlay.Logging;

/// <summary>Writes each line to standard error at once, so a killed hook still leaves its lines behind.</summary>
public sealed class StderrSink : ILogSink
{
    private readonly Stream _stderr = OpenStandardError();

    public void Write(LogLevel level, DateTimeOffset time, string line)
    {
        var timestamp = time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var bytes = Encoding.UTF8.GetBytes($"{timestamp} {line}\n");
        try
        {
            _stderr.Write(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            // A runtime that closed our stderr must not turn a finished archive into a failure.
        }
    }

    public void Dispose() => _stderr.Dispose();

    // A runtime may start the hook with stderr closed (.NET then throws IOException or
    // UnauthorizedAccessException, depending on how fd 2 fails); the archives matter more than
    // the log.
    private static Stream OpenStandardError()
    {
        try
        {
            return Console.OpenStandardError();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Stream.Null;
        }
    }
}
