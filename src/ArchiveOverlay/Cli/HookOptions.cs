using ArchiveOverlay.Logging;
using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Cli;

/// <summary>
/// The command line: archive_overlay [--log-level LEVEL] [--syslog] [--output-root DIR]...
/// [--version] [--help].
/// </summary>
public sealed record HookOptions(LogLevel LogLevel, bool Syslog, bool ShowVersion, bool ShowHelp)
{
    public const string Usage = """
        usage: archive_overlay [--log-level LEVEL] [--syslog] [--output-root DIR]... [--version] [--help]

        OCI poststop hook: reads the container state on standard input and archives the
        upperdir of each overlay mount named by com.launchplatform.oci-hooks.archive-overlay.*
        annotations.

          --log-level LEVEL  trace, debug, info (default), warn, warning, error, fatal or panic
          --syslog           also send log lines to the local syslog socket
          --output-root DIR  archives and success files must lie below DIR (absolute; may be
                             given more than once); without it they may go anywhere on the host
          --version          print the version and exit
          --help             print this help and exit
        """;

    private static readonly string[] s_noOutputRoots = [];

    /// <summary>Directories every output must lie below; empty when outputs may go anywhere.</summary>
    public IReadOnlyList<string> OutputRoots { get; init; } = s_noOutputRoots;

    /// <summary>Parses arguments; throws <see cref="ArgumentException"/> with a one-line reason.</summary>
    public static HookOptions Parse(IReadOnlyList<string> args)
    {
        var options = new HookOptions(LogLevel.Info, false, false, false);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var (flag, inlineValue) = SplitInlineValue(arg);
            switch (flag)
            {
                case "--log-level":
                    var value = inlineValue ?? (i + 1 < args.Count
                        ? args[++i]
                        : throw new ArgumentException("option '--log-level' needs a value"));
                    options = options with { LogLevel = ParseLevel(value) };
                    break;
                case "--output-root":
                    var root = inlineValue ?? (i + 1 < args.Count
                        ? args[++i]
                        : throw new ArgumentException("option '--output-root' needs a value"));
                    if (!root.StartsWith('/'))
                    {
                        throw new ArgumentException($"output root '{root}' is not an absolute path");
                    }
                    options = options with { OutputRoots = [.. options.OutputRoots, LexicalPath.Clean(root)] };
                    break;
                case "--syslog" when inlineValue is null:
                    options = options with { Syslog = true };
                    break;
                case "--version" when inlineValue is null:
                    options = options with { ShowVersion = true };
                    break;
                case "--help" or "-h" when inlineValue is null:
                    options = options with { ShowHelp = true };
                    break;
                default:
                    throw new ArgumentException($"unknown argument '{arg}'");
            }
        }
        return options;
    }

    /// <summary>Accepts the level names of logrus-based hooks, so existing hook configs keep working.</summary>
    public static LogLevel ParseLevel(string value) => value.ToLowerInvariant() switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "info" => LogLevel.Info,
        "warn" or "warning" => LogLevel.Warning,
        "error" or "fatal" or "panic" => LogLevel.Error,
        _ => throw new ArgumentException($"unknown log level '{value}'"),
    };

    private static (string Flag, string? Value) SplitInlineValue(string arg)
    {
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 0
            ? (arg[..equals], arg[(equals + 1)..])
            : (arg, null);
    }
}
