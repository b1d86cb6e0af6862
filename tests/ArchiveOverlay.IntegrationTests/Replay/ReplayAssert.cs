using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>Assertions the replay tests share.</summary>
internal static class ReplayAssert
{
    private const long OneMebibyte = 1024 * 1024;

    /// <summary>Replays one archive method; fails with the differences unless it is faithful.
    /// </summary>
    public static ReplayResult Faithful(
        ReplayWorkspace replay,
        string method,
        ITestOutputHelper output,
        TimeSpan? restoreTimeLimit = null)
    {
        var watch = Stopwatch.StartNew();
        var result = replay.Replay(method, restoreTimeLimit);
        output.WriteLine(
            $"{method}: {result.Before.Entries.Count()} paths, replayed in "
                + $"{watch.Elapsed.TotalMilliseconds:F0} ms ({result.Timings})");
        Assert.True(result.IsFaithful, result.Explain());
        return result;
    }

    /// <summary>
    /// The kernel wrote the xattr a scenario is about, so the scenario tests what it says.
    /// </summary>
    public static void UpperHas(ReplayWorkspace replay, string path, string xattr)
    {
        var xattrs = Posix.ReadXattrs(ByteText.Bytes(Path.Combine(replay.Upper, path)));
        Assert.True(
            xattrs.ContainsKey(xattr),
            $"upperdir entry '{path}' has no {xattr}, only: {string.Join(", ", xattrs.Keys)}");
    }

    /// <summary>
    /// A sparse file kept its holes: the tar.gz stays under 1 MiB, or the copied file allocates
    /// less than 1 MiB.
    /// </summary>
    public static void ArchiveKeepsHoles(ReplayWorkspace replay, string method, string sparseFile)
    {
        var archive = replay.ArchivePath(method);
        if (method == ReplayWorkspace.TarGz)
        {
            var size = new FileInfo(archive).Length;
            Assert.True(size < OneMebibyte, $"the tar.gz has {size} bytes");
            return;
        }
        var copied = ByteText.Bytes(Path.Combine(archive, sparseFile));
        var blocks = (long)Posix.Stat(ReplayLibC.AT_FDCWD, copied).Blocks;
        Assert.True(
            blocks * 512 < OneMebibyte,
            $"the copied '{sparseFile}' allocates {blocks} blocks");
    }
}
