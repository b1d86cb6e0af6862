using System.Diagnostics;

namespace ArchiveOverlay.IntegrationTests;

/// <summary>What one run of the hook binary left: exit code, standard output and its log lines.</summary>
public sealed record HookResult(int ExitCode, string Output, string[] LogLines);

/// <summary>Runs the real hook binary the way a runtime does: state JSON on stdin, empty environment.</summary>
public static class HookProcess
{
    /// <summary>
    /// Starts the hook with stdin left open and nothing written to it, sends it
    /// <paramref name="signal"/> once it is running, and waits for it to exit.
    /// </summary>
    public static HookResult RunAndSignalWhileWaitingForState(int signal)
    {
        using var process = Process.Start(StartInfo([]))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            // Time to start and register its handlers; a signal before that would kill it
            // outright, which the exit code below tells apart.
            Thread.Sleep(TimeSpan.FromMilliseconds(500));
            if (NativeMethods.kill(process.Id, signal) != 0)
            {
                throw new InvalidOperationException($"kill({process.Id}, {signal}) failed");
            }
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill();
                throw new TimeoutException("the hook did not exit within 10 s of the signal");
            }
        }
        finally
        {
            process.StandardInput.Close();
        }
        var lines = error.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return new HookResult(process.ExitCode, output.Result, lines);
    }

    /// <summary>Runs the hook as <see cref="Run"/> does, with its stderr closed.</summary>
    public static int RunWithStderrClosed(string stdin)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.Environment.Clear();
        foreach (var argument in new[] { "-c", "exec \"$0\" 2>&-", TestBinary.Path })
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill();
            throw new TimeoutException("the hook did not exit within two minutes");
        }
        return process.ExitCode;
    }

    public static HookResult Run(string stdin, params string[] arguments)
    {
        using var process = Process.Start(StartInfo(arguments))!;
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

    // All three streams redirected and the environment empty, as a runtime starts a hook.
    private static ProcessStartInfo StartInfo(string[] arguments)
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
        return start;
    }
}
