using System.Reflection;
using System.Runtime.Versioning;
using ArchiveOverlay;
using ArchiveOverlay.Cli;
using ArchiveOverlay.Logging;
using ArchiveOverlay.Oci;
using ArchiveOverlay.Platform;

[assembly: SupportedOSPlatform("linux")]

HookOptions options;
try
{
    options = HookOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"archive_overlay: {e.Message}");
    Console.Error.WriteLine(HookOptions.Usage);
    return ExitCodes.BadInput;
}
if (options.ShowHelp)
{
    Console.Out.WriteLine(HookOptions.Usage);
    return ExitCodes.Success;
}
if (options.ShowVersion)
{
    var version = typeof(PoststopHook).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
    Console.Out.WriteLine($"archive_overlay {version}");
    return ExitCodes.Success;
}

ILogSink[] sinks = options.Syslog ? [new StderrSink(), new SyslogSink()] : [new StderrSink()];
Log.Configure(options.LogLevel, sinks);
TerminationRequest.Register();
try
{
    using var stdin = new StandardInputStream();
    return PoststopHook.Run(stdin, options.OutputRoots);
}
catch (InvalidInputException e)
{
    Log.BadInput(e);
    return ExitCodes.BadInput;
}
catch (OperationCanceledException e)
{
    // A signal before any archive was started: there is nothing to clean up.
    Log.StoppedBeforeArchiving(e);
    return ExitCodes.ArchiveFailed;
}
catch (Exception e)
{
    Log.HookFailed(e);
    return ExitCodes.ArchiveFailed;
}
finally
{
    foreach (var sink in sinks)
    {
        sink.Dispose();
    }
}
