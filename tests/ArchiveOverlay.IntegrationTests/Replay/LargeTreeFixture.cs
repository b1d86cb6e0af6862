namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>
/// Builds each large tree once, on first use, for both archive methods: building and deleting
/// them costs more than replaying them.
/// </summary>
public sealed class LargeTreeFixture : IDisposable
{
    private readonly Lazy<ReplayWorkspace> _deep = new(BuildDeep);
    private readonly Lazy<ReplayWorkspace> _wide = new(BuildWide);

    /// <summary>
    /// lower2: d/ x 100 with lower-file;
    /// change: append to lower-file; d/ x 10,000 with bottom (user.bottom) and a symlink.
    /// </summary>
    internal ReplayWorkspace Deep => _deep.Value;

    /// <summary>
    /// lower2: wide/ with l00000..l00999;
    /// change: wide/f000000..f099999 (every 1000th with data), rm wide/l*5 (100 whiteouts).
    /// </summary>
    internal ReplayWorkspace Wide => _wide.Value;

    public void Dispose()
    {
        foreach (var workspace in new[] { _deep, _wide })
        {
            if (workspace.IsValueCreated)
            {
                workspace.Value.Dispose();
            }
        }
    }

    private static ReplayWorkspace BuildDeep() => Build(
        new ReplayWorkspace { PathsExceedPathMax = true },
        lower: """
            python3 - <<'EOF'
            import os
            for _ in range(100):
                os.mkdir("d")
                os.chdir("d")
            open("lower-file", "w").write("lower")
            EOF
            """,
        change: """
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

    private static ReplayWorkspace BuildWide() => Build(
        new ReplayWorkspace(),
        lower: """
            python3 - <<'EOF'
            import os
            os.mkdir("wide")
            for i in range(1000):
                open(f"wide/l{i:05d}", "w").write(str(i))
            EOF
            """,
        change: """
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

    private static ReplayWorkspace Build(ReplayWorkspace workspace, string lower, string change)
    {
        try
        {
            ReplayWorkspace.RunScript(workspace.LowerBottom, lower);
            workspace.ChangeThroughMount(change);
            return workspace;
        }
        catch
        {
            workspace.Dispose();
            throw;
        }
    }
}
