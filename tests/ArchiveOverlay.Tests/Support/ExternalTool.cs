using System.Diagnostics;

namespace ArchiveOverlay.Tests.Support;

/// <summary>Runs a program this project did not write (GNU tar, Python, mount) and captures its output.</summary>
public static class ExternalTool
{
    public static string Run(string fileName, params string[] arguments)
    {
        var (exitCode, output, error) = TryRun(fileName, arguments);
        if (exitCode != 0)
        {
            throw new InvalidOperationException(
                $"{fileName} {string.Join(' ', arguments)} exited {exitCode}: {error}{output}");
        }
        return output;
    }

    public static (int ExitCode, string Output, string Error) TryRun(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }
}
