using System.Diagnostics;

namespace ArchiveOverlay.IntegrationTests;

/// <summary>What one run of the hook binary left: exit code, standard output and its log lines.</summary>
public sealed record HookResult(int ExitCode, string Output, string[] LogLines);

/// <summary>Runs the real hook binary the way a runtime does: state JSON on stdin, empty environment.</summary>
public static class HookProcess
{
    public static HookResult Run(string stdin, params string[] arguments)
    {
        var start = new ProcessStartInfo(TestBinary.Path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Clear();
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill();
            throw new TimeoutException("the hook did not exit within two minutes");
        }
        var lines = error.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return new HookResult(process.ExitCode, output.Result, lines);
    }
}
