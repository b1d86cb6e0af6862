using System.Text;
using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Archiving;

/// <summary>Checks where an output path really lies before anything is created there.</summary>
public static class OutputLocation
{
    private const UnixFileMode OwnerOnly =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// Throws when <paramref name="path"/> would lie inside one of the <paramref name="forbidden"/>
    /// directories, judged by the nearest existing ancestor's device and inode, so that a symlink
    /// cannot lead an archive or a success file into the upperdir or into another archive.
    /// </summary>
    public static void CheckOutside(
        string path,
        string annotation,
        params (FileIdentity Identity, string What)[] forbidden)
    {
        // The path itself counts: an existing directory there may be the upperdir.
        var existing = NearestExisting(path);
        using var directory = FileDescriptor.OpenDirectory(existing);
        var display = Encoding.UTF8.GetBytes(existing);
        foreach (var (identity, what) in forbidden)
        {
            if (FileOperations.IsInside(directory.Value, identity, display))
            {
                throw new IOException($"{annotation} '{path}' lies inside {what}");
            }
        }
    }

    /// <summary>
    /// Throws unless <paramref name="path"/> lies strictly below one of the output roots, when the
    /// run has any: its parent's nearest existing ancestor must be a root or lie inside one, judged
    /// by device and inode, so that no symlink leads out of them.
    /// </summary>
    public static void CheckInsideRoots(string path, string annotation, RunOutputs outputs)
    {
        if (!outputs.IsConfined)
        {
            return;
        }
        var existing = NearestExisting(LexicalPath.Split(path).Parent);
        using var directory = FileDescriptor.OpenDirectory(existing);
        var display = Encoding.UTF8.GetBytes(existing);
        var inside = outputs.Roots.Any(root => FileOperations.IsInside(directory.Value, root.Identity, display));
        if (inside && Directory.Exists(path))
        {
            using var target = FileDescriptor.OpenDirectory(path);
            var identity = FileStatus.FStat(target.Value, display).Identity;
            inside = !outputs.Roots.Any(root => root.Identity == identity);
        }
        if (!inside)
        {
            throw new IOException(
                $"{annotation} '{path}' does not lie below an output root ({outputs.DescribeRoots()})");
        }
    }

    private static string NearestExisting(string path)
    {
        var existing = path;
        while (!Directory.Exists(existing) && existing != "/")
        {
            existing = LexicalPath.Split(existing).Parent;
        }
        return existing;
    }

    /// <summary>
    /// Creates the missing parent directories of <paramref name="path"/>, mode 0700: an archive
    /// keeps the container's setuid files and device nodes, which only root should reach.
    /// </summary>
    public static void CreateParent(string path)
    {
        // Directory.CreateDirectory gives its mode to the last directory only: one at a time.
        var missing = new Stack<string>();
        for (var directory = LexicalPath.Split(path).Parent; !Directory.Exists(directory);)
        {
            missing.Push(directory);
            directory = LexicalPath.Split(directory).Parent;
        }
        while (missing.Count > 0)
        {
            Directory.CreateDirectory(missing.Pop(), OwnerOnly);
        }
    }
}
