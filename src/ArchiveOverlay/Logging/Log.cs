using System.Globalization;
using System.Text;
using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Logging;

/// <summary>
/// Every message the hook writes, one method each, so the wording can be read in one place.
/// A line is "TIME LEVEL [CONTAINER] message key=value ...": readable, and greppable by field.
/// </summary>
public static class Log
{
    private static LogLevel s_level = LogLevel.Info;
    private static ILogSink[] s_sinks = [new StderrSink()];
    private static string s_container = "-";

    public static void Configure(LogLevel level, params ILogSink[] sinks)
    {
        s_level = level;
        s_sinks = sinks;
    }

    /// <summary>Tags every following line with the first 12 characters of the container id.</summary>
    public static void SetContainer(string id) => s_container = id.Length > 12 ? id[..12] : id;

    public static bool IsEnabled(LogLevel level) => level >= s_level;

    public static void NoArchiveRequested() =>
        Write(LogLevel.Debug, "no archive requested by the container's annotations");

    public static void ArchivesRequested(int count, string source) =>
        Write(LogLevel.Debug, "archives requested", ("count", count), ("annotations", source));

    public static void AnnotationIgnored(string key, string reason) =>
        Write(LogLevel.Warning, $"annotation '{key}' ignored: {reason}");

    public static void ArchiveIncomplete(string archive, string missingKey) =>
        Write(
            LogLevel.Warning,
            $"archive '{archive}' ignored: annotation '{missingKey}' is missing",
            ("archive", archive));

    public static void MountMatched(string archive, string mountPoint, string upperDir) =>
        Write(
            LogLevel.Debug,
            "mount matched",
            ("archive", archive),
            ("mount", mountPoint),
            ("upperdir", Quote(upperDir)));

    public static void ArchiveWritten(
        string archive,
        string method,
        string mountPoint,
        string upperDir,
        string target,
        long entries,
        long bytes,
        TimeSpan duration) =>
        Write(
            LogLevel.Info,
            $"archived mount '{mountPoint}'",
            ("archive", archive),
            ("method", method),
            ("upperdir", Quote(upperDir)),
            ("target", Quote(target)),
            ("entries", entries),
            ("bytes", bytes),
            ("seconds", duration.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)));

    public static void OwnerIgnoredForCopy(string archive) =>
        Write(
            LogLevel.Warning,
            $"archive '{archive}' ignores tar-content-owner: a copy keeps each entry's owner",
            ("archive", archive));

    public static void SuccessFileCreated(string archive, string path) =>
        Write(LogLevel.Debug, "success file created", ("archive", archive), ("path", Quote(path)));

    public static void ArchiveFailed(string archive, Exception exception)
    {
        Write(LogLevel.Error, $"archive '{archive}' failed: {Describe(exception)}", ("archive", archive));
        StackTrace(exception);
    }

    public static void BadInput(Exception exception)
    {
        Write(LogLevel.Error, Describe(exception));
        StackTrace(exception);
    }

    public static void StoppedBeforeArchiving(OperationCanceledException exception) =>
        Write(LogLevel.Error, $"{exception.Message} before any archive was written");

    public static void HookFailed(Exception exception)
    {
        Write(LogLevel.Error, $"hook failed: {Describe(exception)}");
        StackTrace(exception);
    }

    public static void TemporaryLeft(string path, Exception exception) =>
        Write(LogLevel.Warning, $"temporary '{path}' could not be removed: {Describe(exception)}");

    public static void SocketSkipped(string path) =>
        Write(LogLevel.Debug, $"socket '{path}' left out");

    public static void SocketsLeftOut(string archive, int count) =>
        Write(
            LogLevel.Warning,
            $"archive '{archive}' leaves out {count} socket(s)",
            ("archive", archive));

    public static void OwnershipNotKept(string archive, int count, string firstPath, string reason) =>
        Write(
            LogLevel.Warning,
            $"archive '{archive}' could not keep the owner of {count} entries, first '{firstPath}': {reason}",
            ("archive", archive));

    public static void EntryWritten(ReadOnlySpan<byte> path)
    {
        if (IsEnabled(LogLevel.Trace))
        {
            Write(LogLevel.Trace, $"entry '{PathText.Display(path)}'");
        }
    }

    public static void Timing(string step, TimeSpan duration) =>
        Write(
            LogLevel.Debug,
            $"{step} done",
            ("seconds", duration.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)));

    /// <summary>Joins an exception chain with ": ", outermost context first and the errno text last.</summary>
    public static string Describe(Exception exception)
    {
        // .NET's own messages end in a period; ours do not, and the joined line must not have one inside.
        var builder = new StringBuilder(exception.Message.TrimEnd('.'));
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            builder.Append(": ").Append(inner.Message.TrimEnd('.'));
        }
        return builder.ToString();
    }

    private static void StackTrace(Exception exception)
    {
        if (IsEnabled(LogLevel.Debug))
        {
            Write(LogLevel.Debug, $"stack trace: {exception}");
        }
    }

    private static string Quote(string value) => $"'{value}'";

    private static void Write(LogLevel level, string message, params (string Key, object Value)[] fields)
    {
        if (!IsEnabled(level))
        {
            return;
        }
        var line = new StringBuilder();
        line.Append(Name(level)).Append(" [").Append(s_container).Append("] ").Append(message);
        foreach (var (key, value) in fields)
        {
            line.Append(' ').Append(key).Append('=').Append(Convert.ToString(value, CultureInfo.InvariantCulture));
        }
        var time = DateTimeOffset.Now;
        var text = EscapeControlCharacters(line);
        foreach (var sink in s_sinks)
        {
            sink.Write(level, time, text);
        }
    }

    // Values come from annotations and file names: a newline in one must not start a forged line,
    // nor a Unicode line separator or a direction override disguise one.
    private static string EscapeControlCharacters(StringBuilder line)
    {
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (NeedsEscape(c))
            {
                var escape = c <= 0xff ? $"\\x{(int)c:x2}" : $"\\u{(int)c:x4}";
                line.Remove(i, 1).Insert(i, escape);
                i += escape.Length - 1;
            }
        }
        return line.ToString();
    }

    private static bool NeedsEscape(char c) =>
        char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    private static string Name(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Info => "info",
        LogLevel.Warning => "warning",
        _ => "error",
    };
}
