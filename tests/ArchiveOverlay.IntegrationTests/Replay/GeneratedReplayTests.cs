using System.Diagnostics;
using System.Globalization;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>
/// Seeded random scenarios: small random lower layers, a random change set applied through the
/// mounted overlay, then both archive methods replayed. Environment:
/// ARCHIVE_OVERLAY_REPLAY_COUNT (scenarios, default 200), ARCHIVE_OVERLAY_REPLAY_SEED (the first
/// seed, default 20261204; scenario i uses seed + i) and ARCHIVE_OVERLAY_REPLAY_MOUNT_OPTIONS
/// (extra options of the container's mount, such as "redirect_dir=on,metacopy=on"; none by
/// default).
/// A failure names its seed and shows the change set and lower layers shrunk to what still fails.
/// </summary>
[Trait("Category", "Generated")]
public sealed class GeneratedReplayTests
{
    private const string CountVariable = "ARCHIVE_OVERLAY_REPLAY_COUNT";
    private const string SeedVariable = "ARCHIVE_OVERLAY_REPLAY_SEED";
    private const string OptionsVariable = "ARCHIVE_OVERLAY_REPLAY_MOUNT_OPTIONS";
    private const int DefaultCount = 200;
    private const int DefaultSeed = 20261204;
    private const int MinimizedFailures = 3;
    private const int MinimizeAttempts = 150;

    private static readonly string[] s_methods = [ReplayWorkspace.Copy, ReplayWorkspace.TarGz];

    private readonly ITestOutputHelper _output;

    public GeneratedReplayTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [RootFact]
    public void RandomChangeSetsReplayFaithfully()
    {
        var count = ReadNumber(CountVariable, DefaultCount);
        var firstSeed = ReadNumber(SeedVariable, DefaultSeed);
        var options = (Environment.GetEnvironmentVariable(OptionsVariable) ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var watch = Stopwatch.StartNew();
        var failures = new List<string>();
        var applied = 0;
        var refused = 0;
        var coverage = new SortedDictionary<string, int>(StringComparer.Ordinal);

        for (var seed = firstSeed; seed < firstSeed + count; seed++)
        {
            var scenario = new RandomScenario(seed);
            var results = Run(
                scenario.Lower, scenario.Changes, options, s_methods, out var outcome);
            applied += outcome.Applied;
            refused += outcome.Refused;
            foreach (var feature in outcome.Features)
            {
                coverage[feature] = coverage.GetValueOrDefault(feature) + 1;
            }
            foreach (var result in results.Where(result => !result.IsFaithful))
            {
                failures.Add(failures.Count < MinimizedFailures
                    ? Minimize(scenario, result, options)
                    : $"seed {seed}, method {result.Method}: not minimized\n{result.Explain()}");
            }
        }

        _output.WriteLine(
            $"{count} scenarios from seed {firstSeed}, "
                + $"mount options '{string.Join(',', options)}': "
                + $"{applied} changes applied, {refused} refused by the kernel, "
                + $"{failures.Count} unfaithful replays, {watch.Elapsed.TotalSeconds:F1} s\n"
                + "scenarios whose upperdir holds: "
                + string.Join(", ", coverage.Select(pair => $"{pair.Key} {pair.Value}")));
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    // Builds one scenario and replays it with each method; an exception counts as a failure.
    private static List<ReplayResult> Run(
        IReadOnlyList<(bool Top, ChangeOperation Entry)> lower,
        IReadOnlyList<ChangeOperation> changes,
        IReadOnlyList<string> options,
        IReadOnlyList<string> methods,
        out (int Applied, int Refused, IReadOnlySet<string> Features) outcome)
    {
        using var workspace = new ReplayWorkspace(options);
        var top = ByteText.Bytes(workspace.LowerTop);
        var bottom = ByteText.Bytes(workspace.LowerBottom);
        foreach (var (isTop, entry) in lower)
        {
            entry.TryApply(isTop ? top : bottom);
        }
        var applied = 0;
        workspace.ChangeThroughMount(mountPoint =>
        {
            var root = ByteText.Bytes(mountPoint);
            applied = changes.Count(change => change.TryApply(root));
        });
        outcome = (applied, changes.Count - applied, UpperFeatures(workspace.Upper));
        var results = new List<ReplayResult>();
        foreach (var method in methods)
        {
            try
            {
                results.Add(workspace.Replay(method));
            }
            catch (IOException e)
            {
                results.Add(Crashed(method, e));
            }
            catch (InvalidOperationException e)
            {
                results.Add(Crashed(method, e));
            }
        }
        return results;
    }

    // What the kernel wrote to the upperdir, to show what the generated scenarios exercised.
    private static HashSet<string> UpperFeatures(string upper)
    {
        var features = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in MergedViewRecorder.Record(upper).Entries)
        {
            if (entry.Fact("device") == "0,0")
            {
                features.Add("whiteouts");
            }
            if (entry.Kind == "file" && entry.Fact("hard-link-group") is not null)
            {
                features.Add("hard links");
            }
            foreach (var feature in new[] { "opaque", "redirect", "metacopy" })
            {
                if (entry.Fact($"xattr trusted.overlay.{feature}") is not null)
                {
                    features.Add(feature);
                }
            }
        }
        return features;
    }

    private static ReplayResult Crashed(string method, Exception e) =>
        new(method, new MergedView(new ViewEntry { Name = [], Kind = "directory", Facts = [] }),
            new HookResult(-1, "", []), null, [], "the replay threw " + e);

    private static bool Fails(
        IReadOnlyList<(bool Top, ChangeOperation Entry)> lower,
        IReadOnlyList<ChangeOperation> changes,
        IReadOnlyList<string> options,
        string method) =>
        !Run(lower, changes, options, [method], out _)[0].IsFaithful;

    private static string Minimize(
        RandomScenario scenario,
        ReplayResult original,
        string[] options)
    {
        var method = original.Method;
        var attemptsLeft = MinimizeAttempts;
        var changes = ChangeSetMinimizer.Minimize(
            scenario.Changes,
            candidate => Fails(scenario.Lower, candidate, options, method),
            ref attemptsLeft);
        var lower = ChangeSetMinimizer.Minimize(
            scenario.Lower,
            candidate => Fails(candidate, changes, options, method),
            ref attemptsLeft);
        var minimized = Run(lower, changes, options, [method], out _)[0];

        var report = new StringBuilder();
        report.Append(CultureInfo.InvariantCulture, $"seed {scenario.Seed}, method {method}");
        report.Append(
            CultureInfo.InvariantCulture,
            $" (reproduce: {SeedVariable}={scenario.Seed} {CountVariable}=1");
        if (options.Length > 0)
        {
            report.Append(
                CultureInfo.InvariantCulture,
                $" {OptionsVariable}={string.Join(',', options)}");
        }
        report.Append(")\n");
        report.Append(
            CultureInfo.InvariantCulture,
            $"lower layers, {lower.Count} of {scenario.Lower.Count} entries:\n");
        foreach (var (top, entry) in lower)
        {
            report.Append(top ? "  lower1: " : "  lower2: ").Append(entry).Append('\n');
        }
        report.Append(
            CultureInfo.InvariantCulture,
            $"changes, {changes.Count} of {scenario.Changes.Count}:\n");
        foreach (var change in changes)
        {
            report.Append("  ").Append(change).Append('\n');
        }
        report.Append(minimized.IsFaithful ? original.Explain() : minimized.Explain());
        return report.ToString();
    }

    private static int ReadNumber(string variable, int fallback) =>
        int.TryParse(
            Environment.GetEnvironmentVariable(variable),
            CultureInfo.InvariantCulture,
            out var value)
            ? value
            : fallback;
}
