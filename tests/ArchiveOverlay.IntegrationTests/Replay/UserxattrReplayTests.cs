using Xunit;
using Xunit.Abstractions;

namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>
/// Overlay mounted with userxattr, as rootless podman does: the kernel writes user.overlay.*
/// instead of trusted.overlay.*. The archive keeps user.overlay.opaque, so its replay is mounted
/// with userxattr too.
/// </summary>
public sealed class UserxattrReplayTests
{
    private static readonly string[] s_userxattr = ["userxattr"];

    private readonly ITestOutputHelper _output;

    public UserxattrReplayTests(ITestOutputHelper output)
    {
        _output = output;
    }

    /// <code>
    /// lower2: dir/old, gone, changed
    /// change (userxattr): rm -rf dir && mkdir dir (opaque: user.overlay.opaque); rm gone;
    ///         append to changed (user.overlay.origin); user.mine on a new file
    /// </code>
    [RootTheory]
    [InlineData(ReplayWorkspace.Copy)]
    [InlineData(ReplayWorkspace.TarGz)]
    public void UserxattrUpperdirReplays(string method)
    {
        using var replay = new ReplayWorkspace(s_userxattr, s_userxattr);
        ReplayWorkspace.RunScript(replay.LowerBottom, """
            mkdir dir
            echo old > dir/old
            echo gone > gone
            echo changed > changed
            """);
        replay.ChangeThroughMount("""
            rm -rf dir
            mkdir dir
            echo new > dir/new
            rm gone
            echo more >> changed
            echo mine > mine
            setfattr -n user.mine -v 1 mine
            """);
        ReplayAssert.UpperHas(replay, "dir", "user.overlay.opaque");

        var result = ReplayAssert.Faithful(replay, method, _output);
        Assert.Null(result.After!.Find("dir/old"));
    }
}
