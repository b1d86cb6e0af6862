using ArchiveOverlay.Cli;
using ArchiveOverlay.Logging;

namespace ArchiveOverlay.Tests.Cli;

public sealed class HookOptionsTests
{
    [Fact]
    public void NoArgumentsGiveTheDefaults()
    {
        var options = HookOptions.Parse([]);

        Assert.Equal(new HookOptions(LogLevel.Info, false, false, false), options);
    }

    [Theory]
    [InlineData("--log-level", "debug")]
    [InlineData("--log-level=debug")]
    public void LogLevelTakesItsValueSeparateOrInline(params string[] args)
    {
        var options = HookOptions.Parse(args);

        Assert.Equal(new HookOptions(LogLevel.Debug, false, false, false), options);
    }

    [Theory]
    [InlineData("trace", LogLevel.Trace)]
    [InlineData("debug", LogLevel.Debug)]
    [InlineData("info", LogLevel.Info)]
    [InlineData("warn", LogLevel.Warning)]
    [InlineData("warning", LogLevel.Warning)]
    [InlineData("error", LogLevel.Error)]
    [InlineData("fatal", LogLevel.Error)]
    [InlineData("panic", LogLevel.Error)]
    [InlineData("TRACE", LogLevel.Trace)]
    [InlineData("Debug", LogLevel.Debug)]
    [InlineData("wArNiNg", LogLevel.Warning)]
    [InlineData("PANIC", LogLevel.Error)]
    public void LogLevelAcceptsTheLogrusNamesInAnyCase(string name, LogLevel expected)
    {
        Assert.Equal(expected, HookOptions.ParseLevel(name));
        Assert.Equal(expected, HookOptions.Parse(["--log-level", name]).LogLevel);
        Assert.Equal(expected, HookOptions.Parse([$"--log-level={name}"]).LogLevel);
    }

    [Fact]
    public void LastLogLevelWins()
    {
        var options = HookOptions.Parse(["--log-level", "error", "--log-level=trace"]);

        Assert.Equal(LogLevel.Trace, options.LogLevel);
    }

    [Theory]
    [InlineData("verbose", "unknown log level 'verbose'")]
    [InlineData("", "unknown log level ''")]
    [InlineData(" info", "unknown log level ' info'")]
    [InlineData("3", "unknown log level '3'")]
    [InlineData("--syslog", "unknown log level '--syslog'")]
    public void UnknownLogLevelIsRejected(string name, string message)
    {
        string[] args = ["--log-level", name];

        var error = Assert.Throws<ArgumentException>(() => HookOptions.Parse(args));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void EmptyInlineLogLevelIsRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => HookOptions.Parse(["--log-level="]));

        Assert.Equal("unknown log level ''", error.Message);
    }

    [Theory]
    [InlineData("--log-level")]
    [InlineData("--syslog", "--log-level")]
    public void LogLevelWithoutValueIsRejected(params string[] args)
    {
        var error = Assert.Throws<ArgumentException>(() => HookOptions.Parse(args));

        Assert.Equal("option '--log-level' needs a value", error.Message);
    }

    [Theory]
    [InlineData("--verbose")]
    [InlineData("-v")]
    [InlineData("--syslog=yes")]
    [InlineData("--version=1")]
    [InlineData("--help=x")]
    [InlineData("-h=x")]
    [InlineData("--LOG-LEVEL")]
    [InlineData("-log-level=debug")]
    [InlineData("debug")]
    [InlineData("")]
    public void UnknownArgumentIsRejected(string arg)
    {
        var error = Assert.Throws<ArgumentException>(() => HookOptions.Parse([arg]));

        Assert.Equal($"unknown argument '{arg}'", error.Message);
    }

    [Fact]
    public void UnknownArgumentAfterValidOnesIsRejected()
    {
        var error = Assert.Throws<ArgumentException>(
            () => HookOptions.Parse(["--syslog", "--log-level", "debug", "extra"]));

        Assert.Equal("unknown argument 'extra'", error.Message);
    }

    [Fact]
    public void SyslogAddsTheSyslogDestination()
    {
        var options = HookOptions.Parse(["--syslog"]);

        Assert.Equal(new HookOptions(LogLevel.Info, true, false, false), options);
    }

    [Fact]
    public void VersionAsksForTheVersion()
    {
        var options = HookOptions.Parse(["--version"]);

        Assert.Equal(new HookOptions(LogLevel.Info, false, true, false), options);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void HelpAsksForTheUsage(string arg)
    {
        var options = HookOptions.Parse([arg]);

        Assert.Equal(new HookOptions(LogLevel.Info, false, false, true), options);
    }

    [Fact]
    public void AllOptionsCombine()
    {
        var options = HookOptions.Parse(["--syslog", "--log-level", "warn", "--version", "-h"]);

        Assert.Equal(new HookOptions(LogLevel.Warning, true, true, true), options);
    }

    [Fact]
    public void UsageNamesEveryOption()
    {
        Assert.StartsWith(
            "usage: archive_overlay [--log-level LEVEL] [--syslog] [--output-root DIR]... [--version] [--help]",
            HookOptions.Usage,
            StringComparison.Ordinal);
        foreach (var option in new[] { "--log-level LEVEL", "--syslog", "--output-root DIR", "--version", "--help" })
        {
            Assert.Contains($"\n  {option} ", HookOptions.Usage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void OutputRootsAreCollectedCleanInOrder()
    {
        var options = HookOptions.Parse(["--output-root", "/var/lib/archives/", "--output-root=/srv//data"]);

        Assert.Equal(["/var/lib/archives", "/srv/data"], options.OutputRoots);
        Assert.Empty(HookOptions.Parse([]).OutputRoots);
    }

    [Theory]
    [InlineData("relative", "output root 'relative' is not an absolute path")]
    [InlineData("", "output root '' is not an absolute path")]
    public void OutputRootMustBeAbsolute(string root, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => HookOptions.Parse([$"--output-root={root}"]));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void OutputRootNeedsAValue()
    {
        var error = Assert.Throws<ArgumentException>(() => HookOptions.Parse(["--output-root"]));

        Assert.Equal("option '--output-root' needs a value", error.Message);
    }
}
