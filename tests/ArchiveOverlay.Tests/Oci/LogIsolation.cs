namespace ArchiveOverlay.Tests.Oci;

/// <summary>
/// Tests that configure the static <c>Log</c> or run the whole hook: they run one at a time,
/// with no other test running beside them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LogIsolation
{
    public const string Name = "Log";
}
