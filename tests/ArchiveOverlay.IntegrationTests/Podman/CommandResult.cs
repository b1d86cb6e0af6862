using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace ArchiveOverlay.IntegrationTests.Podman;

/// <summary>A finished host command (podman, tar, stat, ...): exit code and output.</summary>
public sealed record CommandResult(string CommandLine, int ExitCode, string Stdout, string Stderr)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(2);

    /// <summary>Runs a program found on PATH, stdin closed; kills it after two minutes.</summary>
    public static CommandResult Run(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }
        var commandLine = string.Join(' ', startInfo.ArgumentList.Prepend(fileName));

        using var process = Start(startInfo, commandLine);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(s_timeout))
        {
            // Only the process started here, and its children, are ended.
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException(
                $"'{commandLine}' did not finish within {s_timeout.TotalSeconds} s\n"
                    + Describe(stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult()));
        }
        process.WaitForExit();
        return new CommandResult(
            commandLine,
            process.ExitCode,
            stdout.GetAwaiter().GetResult(),
            stderr.GetAwaiter().GetResult());
    }

    /// <summary>Runs a program and throws, with all its output, unless it exits 0.</summary>
    public static CommandResult RunChecked(string fileName, params string[] arguments) =>
        Run(fileName, arguments).EnsureSuccess();

    public CommandResult EnsureSuccess()
    {
        if (ExitCode != 0)
        {
            throw new InvalidOperationException(ToString());
        }
        return this;
    }

    public override string ToString() =>
        $"'{CommandLine}' exited with {ExitCode}\n" + Describe(Stdout, Stderr);

    private static Process Start(ProcessStartInfo startInfo, string commandLine)
    {
        try
        {
            return Process.Start(startInfo)
                ?? throw new InvalidOperationException($"'{commandLine}' did not start");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"cannot run '{commandLine}': is '{startInfo.FileName}' installed and on PATH?",
                e);
        }
    }

    private static string Describe(string stdout, string stderr)
    {
        var builder = new StringBuilder();
        builder.Append("--- stdout ---\n").Append(stdout);
        builder.Append("\n--- stderr ---\n").Append(stderr);
        return builder.ToString();
    }
}
