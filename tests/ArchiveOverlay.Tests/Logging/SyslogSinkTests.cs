using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using ArchiveOverlay.Logging;
using ArchiveOverlay.Tests.Support;

namespace ArchiveOverlay.Tests.Logging;

public sealed class SyslogSinkTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(LogLevel.Error, 27)]
    [InlineData(LogLevel.Warning, 28)]
    [InlineData(LogLevel.Info, 30)]
    [InlineData(LogLevel.Debug, 31)]
    public void LineReachesTheSocketAsADaemonMessageWithTagAndPid(LogLevel level, int priority)
    {
        var path = _temp.Combine("log");
        using var server = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        server.Bind(new UnixDomainSocketEndPoint(path));
        server.ReceiveTimeout = 5000;

        using (var sink = new SyslogSink(path))
        {
            Assert.True(sink.IsConnected);
            sink.Write(level, DateTimeOffset.Now, "info [abc] archived mount '/data'");
        }

        var buffer = new byte[4096];
        var message = Encoding.UTF8.GetString(buffer, 0, server.Receive(buffer));
        var stamp = @"[A-Z][a-z]{2} [ 1-3]\d \d\d:\d\d:\d\d";
        var tag = $@"archive_overlay\[{Environment.ProcessId}\]";
        var pattern = $"^<{priority}>{stamp} {tag}: " + Regex.Escape("info [abc] archived mount '/data'") + "$";
        Assert.Matches(pattern, message);
    }

    [Fact]
    public void MissingSocketDropsLinesWithoutFailing()
    {
        using var sink = new SyslogSink(_temp.Combine("nobody-listens"));

        sink.Write(LogLevel.Error, DateTimeOffset.Now, "error [abc] x");

        Assert.False(sink.IsConnected);
    }
}
