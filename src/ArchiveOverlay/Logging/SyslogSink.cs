using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace ArchiveOverlay.Logging;

/// <summary>
/// Sends lines to the local syslog socket in the traditional BSD format (RFC 3164) with facility
/// daemon and "archive_overlay[PID]" as the tag. Without a listening daemon, lines are dropped.
/// </summary>
public sealed class SyslogSink : ILogSink
{
    public const string DefaultSocketPath = "/dev/log";

    private const int FacilityDaemon = 3;

    private readonly Socket? _socket;
    private readonly string _tag;

    public SyslogSink(string socketPath = DefaultSocketPath)
    {
        _tag = $"archive_overlay[{Environment.ProcessId}]";
        try
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            _socket = socket;
        }
        catch (SocketException)
        {
            _socket = null;
        }
    }

    /// <summary>False when no syslog daemon listens at the socket path.</summary>
    public bool IsConnected => _socket is not null;

    public void Write(LogLevel level, DateTimeOffset time, string line)
    {
        if (_socket is null)
        {
            return;
        }
        var priority = (FacilityDaemon * 8) + Severity(level);
        var local = time.ToLocalTime();
        var stamp = string.Create(
            CultureInfo.InvariantCulture,
            $"{local:MMM} {local.Day,2} {local:HH:mm:ss}");
        var message = Encoding.UTF8.GetBytes($"<{priority}>{stamp} {_tag}: {line}");
        try
        {
            _socket.Send(message);
        }
        catch (SocketException)
        {
            // syslog is a second destination; stderr already has the line.
        }
    }

    public void Dispose() => _socket?.Dispose();

    private static int Severity(LogLevel level) => level switch
    {
        LogLevel.Error => 3,
        LogLevel.Warning => 4,
        LogLevel.Info => 6,
        _ => 7,
    };
}
