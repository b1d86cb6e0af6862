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
        // rm(1), not Directory.Delete: names need not be UTF-8, and modes may be 000.
        ExternalTool.TryRun("chmod", "-R", "u+rwx", Path);
        ExternalTool.Run("rm", "-rf", "--one-file-system", Path);
    }
}
