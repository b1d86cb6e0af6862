using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>
/// Trees at the size where walks run out of stack, descriptors or PATH_MAX: 10,000 levels deep
/// and 100,000 entries wide, each built once (<see cref="LargeTreeFixture"/>). Marked
/// Category=Slow so a quick run can leave them out (--filter "Category!=Slow"); each prints how
/// long its steps took.
/// </summary>
[Trait("Category", "Slow")]
public sealed class LargeTreeReplayTests : IClassFixture<LargeTreeFixture>
{
    private readonly LargeTreeFixture _trees;
    private readonly ITestOutputHelper _output;

    public LargeTreeReplayTests(LargeTreeFixture trees, ITestOutputHelper output)
    {
        _trees = trees;
        _output = output;
    }

    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void TenThousandLevelsDeepReplay(string method)
    {
        var replay = Built(() => _trees.Deep);

        var result = ReplayAssert.Faithful(replay, method, _output);

        Assert.Equal(1 + 10_000 + 3, result.After!.Entries.Count());
    }

    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void HundredThousandEntriesInOneDirectoryReplay(string method)
    {
        var replay = Built(() => _trees.Wide);

        var result = ReplayAssert.Faithful(replay, method, _output);

        Assert.Equal(2 + 100_000 + 900, result.After!.Entries.Count());
    }

    // The first test to ask builds the tree; its output says how long that took.
    private ReplayWorkspace Built(Func<ReplayWorkspace> tree)
    {
        var watch = Stopwatch.StartNew();
        var workspace = tree();
        _output.WriteLine($"tree ready in {watch.Elapsed.TotalSeconds:F1} s");
        return workspace;
    }
}
