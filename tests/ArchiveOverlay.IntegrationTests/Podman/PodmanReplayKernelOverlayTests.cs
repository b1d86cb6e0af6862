using System.Runtime.Versioning;
using Xunit;
using Xunit.Abstractions;

namespace ArchiveOverlay.IntegrationTests.Podman;

/// <summary>
/// Replay of a container whose image mount is a kernel overlay: the replay must show exactly
/// what the container listed, with nothing taken out.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class PodmanReplayKernelOverlayTests
    : PodmanReplayTests, IClassFixture<PodmanReplayKernelOverlayFixture>
{
    private readonly PodmanReplayKernelOverlayFixture _fixture;

    public PodmanReplayKernelOverlayTests(
        PodmanReplayKernelOverlayFixture fixture,
        ITestOutputHelper output)
        : base(fixture, output)
    {
        _fixture = fixture;
    }

    // The overlay module's defaults here: what PodmanReplayRedirectMetacopyTests switches on
    // is off, so this container's renamed directory and chmod are full copy-ups.
    [RootFact]
    public void UpperDirHeldNoRedirectOrMetacopy() =>
        Assert.True(
            _fixture.UpperDirOverlayXattrs.Length == 0,
            $"redirect or metacopy in the upperdir:\n{_fixture.UpperDirOverlayXattrs}");
}
