namespace ArchiveOverlay.Tests.Support;

/// <summary>A fresh directory for one test, removed with everything in it afterwards.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("archive-overlay-test-").FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        // chmod first: a test may leave directories with mode 000 behind.
        ExternalTool.TryRun("chmod", "-R", "u+rwx", Path);
        Directory.Delete(Path, recursive: true);
    }
}
