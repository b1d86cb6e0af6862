namespace ArchiveOverlay.Logging;

/// <summary>A destination for formatted log lines.</summary>
public interface ILogSink : IDisposable
{
    void Write(LogLevel level, DateTimeOffset time, string line);
}
