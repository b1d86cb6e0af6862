using System.Runtime.Versioning;
using Xunit;
using Xunit.Abstractions;

namespace ArchiveOverlay.IntegrationTests.Podman;

/// <summary>
/// Replay of a container whose kernel overlay image mount has redirect_dir and metacopy on: its
/// upperdir holds a renamed directory as a redirect and metadata-only copy-ups whose bytes are
/// in the image, and the archives must stand on their own all the same.
/// </summary>
[SupportedOSPlatform("linux")]
[Collection(OverlayModuleDefaultsTests.Name)]
public sealed class PodmanReplayRedirectMetacopyTests
    : PodmanReplayTests, IClassFixture<PodmanReplayRedirectMetacopyFixture>
{
    private readonly PodmanReplayRedirectMetacopyFixture _fixture;

    public PodmanReplayRedirectMetacopyTests(
        PodmanReplayRedirectMetacopyFixture fixture,
        ITestOutputHelper output)
        : base(fixture, output)
    {
        _fixture = fixture;
    }

    // 'mv movedir moved' and 'chmod 4755 chmod.txt' in the change script.
    [RootFact]
    public void UpperDirHeldARedirectAndAMetacopy()
    {
        var xattrs = _fixture.UpperDirOverlayXattrs;
        Assert.True(
            xattrs.Contains("# file: moved\ntrusted.overlay.redirect=", StringComparison.Ordinal)
                && xattrs.Contains("# file: chmod.txt\ntrusted.overlay.metacopy", StringComparison.Ordinal),
            $"expected a redirect on moved and a metacopy on chmod.txt in the upperdir:\n{xattrs}"
                + _fixture.HookRuns);
    }
}
