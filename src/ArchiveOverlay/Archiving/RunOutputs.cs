using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Archiving;

/// <summary>
/// What the archives of one hook run must keep away from, judged by device and inode so that no
/// symlink leads around it: no output lies inside an upperdir of the container or inside a copy
/// archive written before it in the run, and none replaces an empty file or directory that the
/// run itself wrote (a success file, or the copy of an empty upperdir).
/// </summary>
public sealed class RunOutputs : IDisposable
{
    private readonly List<(FileIdentity Identity, string What)> _forbidden = [];
    private readonly Dictionary<FileIdentity, string> _written = [];
    private readonly Dictionary<string, FileDescriptor> _roots = new(StringComparer.Ordinal);
    private readonly List<string> _rootPaths = [];
    private readonly List<string> _missingRoots = [];

    /// <summary>
    /// Confines every output to lie below one of <paramref name="roots"/> (--output-root). Each
    /// root is opened once, here, and held for the run: swapping it for a symlink later leads
    /// nowhere. A root that is not an existing directory now admits nothing for the whole run.
    /// </summary>
    public RunOutputs(IReadOnlyList<string>? roots = null)
    {
        try
        {
            foreach (var root in roots ?? [])
            {
                _rootPaths.Add(root);
                if (Directory.Exists(root) && !_roots.ContainsKey(root))
                {
                    _roots[root] = FileDescriptor.OpenDirectory(root);
                }
                else if (!_roots.ContainsKey(root))
                {
                    _missingRoots.Add(root);
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Whether outputs must lie below an output root.</summary>
    public bool IsConfined => _rootPaths.Count > 0;

    /// <summary>The output roots as given (clean absolute paths).</summary>
    public IReadOnlyList<string> RootPaths => _rootPaths;

    /// <summary>The directory opened for <paramref name="root"/> at the start of the run, if it existed.</summary>
    public FileDescriptor? OpenedRoot(string root) => _roots.GetValueOrDefault(root);

    public void Dispose()
    {
        foreach (var root in _roots.Values)
        {
            root.Dispose();
        }
        _roots.Clear();
    }

    /// <summary>The output roots as given, for messages, and those that do not exist.</summary>
    public string DescribeRoots() =>
        string.Join(", ", _rootPaths)
            + (_missingRoots.Count == 0
                ? ""
                : $"; not an existing directory: {string.Join(", ", _missingRoots)}");

    /// <summary>Directories that no output may lie inside, with what to call them in a message.</summary>
    public IReadOnlyList<(FileIdentity Identity, string What)> Forbidden => _forbidden;

    /// <summary>
    /// Keeps every output out of <paramref name="directory"/> (a symlink to one is followed, as the
    /// kernel followed it at mount time), when it is there to open.
    /// </summary>
    public void ForbidInside(string directory, string what)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }
        try
        {
            using var opened = FileDescriptor.OpenDirectory(directory);
            _forbidden.Add((FileStatus.FStat(opened.Value, "."u8).Identity, what));
        }
        catch (PosixException)
        {
            // Gone or unreadable since: an archive of that mount fails on its own, naming it.
        }
    }

    /// <summary>Keeps every later output out of the directory <paramref name="identity"/>.</summary>
    public void ForbidInside(FileIdentity identity, string what) => _forbidden.Add((identity, what));

    /// <summary>Records an archive or success file this run wrote, and what to call it.</summary>
    public void RecordWritten(FileIdentity identity, string what) => _written[identity] = what;

    /// <summary>What this run wrote at <paramref name="identity"/>, if it wrote anything there.</summary>
    public string? WrittenAs(FileIdentity identity) => _written.GetValueOrDefault(identity);
}
