using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>
/// Trees at the size where walks run out of stack, descriptors or PATH_MAX: 10,000 levels deep and
/// 100,000 entries wide. Marked Category=Slow so a quick run can leave them out
/// (--filter "Category!=Slow"); each prints how long its steps took.
/// </summary>
[Trait("Category", "Slow")]
public sealed class LargeTreeReplayTests
{
    private readonly ITestOutputHelper _output;

    public LargeTreeReplayTests(ITestOutputHelper output)
    {
        _output = output;
    }

    /// <code>
    /// lower2: d/ x 100 with lower-file
    /// change: append to lower-file; d/ x 10,000 with bottom (user.bottom) and a symlink
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void TenThousandLevelsDeepReplay(string method)
    {
        var watch = Stopwatch.StartNew();
        using var replay = new ReplayWorkspace { PathsExceedPathMax = true };
        ReplayWorkspace.RunScript(replay.LowerBottom, """
            python3 - <<'EOF'
            import os
            for _ in range(100):
                os.mkdir("d")
                os.chdir("d")
            open("lower-file", "w").write("lower")
            EOF
            """);
        replay.ChangeThroughMount("""
            python3 - <<'EOF'
            import os
            for _ in range(100):
                os.chdir("d")
            open("lower-file", "a").write(" changed")
            for _ in range(9900):
                os.mkdir("d")
                os.chdir("d")
            open("bottom", "w").write("bottom")
            os.setxattr("bottom", "user.bottom", b"10000")
            os.symlink("../" * 100, "up")
            EOF
            """);
        _output.WriteLine($"built in {watch.Elapsed.TotalSeconds:F1} s");

        AssertFaithful(replay, method, expectedPaths: 1 + 10_000 + 3);
    }

    /// <code>
    /// lower2: wide/ with l00000..l00999
    /// change: wide/f000000..f099999 (every 1000th with data), rm wide/l*5 (100 whiteouts)
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void HundredThousandEntriesInOneDirectoryReplay(string method)
    {
        var watch = Stopwatch.StartNew();
        using var replay = new ReplayWorkspace();
        ReplayWorkspace.RunScript(replay.LowerBottom, """
            python3 - <<'EOF'
            import os
            os.mkdir("wide")
            for i in range(1000):
                open(f"wide/l{i:05d}", "w").write(str(i))
            EOF
            """);
        replay.ChangeThroughMount("""
            python3 - <<'EOF'
            import os
            for i in range(100000):
                with open(f"wide/f{i:06d}", "w") as f:
                    if i % 1000 == 0:
                        f.write(str(i))
            for i in range(5, 1000, 10):
                os.unlink(f"wide/l{i:05d}")
            EOF
            """);
        _output.WriteLine($"built in {watch.Elapsed.TotalSeconds:F1} s");

        AssertFaithful(replay, method, expectedPaths: 2 + 100_000 + 900);
    }

    private void AssertFaithful(ReplayWorkspace replay, string method, int expectedPaths)
    {
        var result = ReplayAssert.Faithful(replay, method, _output);
        Assert.Equal(expectedPaths, result.After!.Entries.Count());
    }
}
