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
    public PodmanReplayKernelOverlayTests(
        PodmanReplayKernelOverlayFixture fixture,
        ITestOutputHelper output)
        : base(fixture, output)
    {
    }
}
