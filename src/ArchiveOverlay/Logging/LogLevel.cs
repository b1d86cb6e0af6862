namespace ArchiveOverlay.Logging;

/// <summary>Severity of a log line; trace sits below debug and carries per-entry detail.</summary>
public enum LogLevel
{
    Trace,
    Debug,
    Info,
    Warning,
    Error,
}
