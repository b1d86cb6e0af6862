using Xunit;
using Xunit.Abstractions;

namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>
/// Hand-written changes made through a real overlay mount; each archive, restored and mounted over
/// the same lower layers, must give back exactly the merged view the container left.
/// </summary>
public sealed class ReplayScenarioTests
{
    private readonly ITestOutputHelper _output;

    public ReplayScenarioTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void NewFileReplays(string method)
    {
        using var replay = new ReplayWorkspace();
        replay.ChangeThroughMount("echo new > file");

        AssertFaithful(replay.Replay(method));
    }

    private void AssertFaithful(ReplayResult result)
    {
        _output.WriteLine($"{result.Before.Entries.Count()} paths in the merged view");
        Assert.True(result.IsFaithful, result.Explain());
    }
}
