namespace ArchiveOverlay.IntegrationTests;

/// <summary>
/// Locates the built hook: ARCHIVE_OVERLAY_BIN when set, else build/archive_overlay in the
/// repository.
/// </summary>
public static class TestBinary
{
    public const string EnvironmentVariable = "ARCHIVE_OVERLAY_BIN";
    private const string SolutionFile = "archive_overlay.slnx";

    /// <summary>The absolute path of the hook executable; throws with a hint if missing.</summary>
    public static string Path
    {
        get
        {
            var path = FindPath();
            if (!File.Exists(path))
            {
                throw new FileNotFoundException(
                    $"hook binary '{path}' not found: build it first (into build/archive_overlay) "
                        + $"or set {EnvironmentVariable} to the executable",
                    path);
            }
            return path;
        }
    }

    /// <summary>The nearest directory above the test assembly that holds the solution.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory);
                directory is not null;
                directory = directory.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(directory.FullName, SolutionFile)))
                {
                    return directory.FullName;
                }
            }
            throw new DirectoryNotFoundException(
                $"no directory above '{AppContext.BaseDirectory}' holds {SolutionFile}: "
                    + $"set {EnvironmentVariable} to the hook executable");
        }
    }

    private static string FindPath()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return System.IO.Path.GetFullPath(fromEnvironment);
        }
        return System.IO.Path.Combine(RepositoryRoot, "build", "archive_overlay");
    }
}
