namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>
/// One archive-and-replay round: the merged view before, the hook run, the merged view after
/// restoring the archive (null when the hook or the restore failed) and how the views differ.
/// </summary>
internal sealed record ReplayResult(
    string Method,
    MergedView Before,
    HookResult Hook,
    MergedView? After,
    IReadOnlyList<string> Differences,
    string? Failure)
{
    /// <summary>How long each step took, such as "record 0.1 s, hook 0.0 s".</summary>
    public string Timings { get; init; } = "";

    /// <summary>True when the hook exited 0 and the replayed view equals the one before.</summary>
    public bool IsFaithful => Failure is null && Hook.ExitCode == 0 && Differences.Count == 0;

    /// <summary>A readable account of what went wrong, or "faithful".</summary>
    public string Explain()
    {
        if (IsFaithful)
        {
            return "faithful";
        }
        var log = string.Join('\n', Hook.LogLines.Select(line => "  " + line));
        var problem = Failure ?? (Hook.ExitCode != 0
            ? $"the hook exited with {Hook.ExitCode}"
            : MergedView.Describe(Differences));
        return $"method {Method}: {problem}\nhook log:\n{log}";
    }
}
