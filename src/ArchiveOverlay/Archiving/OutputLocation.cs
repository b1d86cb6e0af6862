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
        ThrowIfInside(directory.Value, existing, path, annotation, forbidden);
    }

    /// <summary>
    /// Throws unless <paramref name="path"/> lies lexically below one of the output roots, when
    /// the run has any, through directories that are no symlinks as far as they exist; creates
    /// nothing. <see cref="OpenParent"/> makes sure of it again as it opens the directories.
    /// </summary>
    public static void CheckBelowRoots(string path, string annotation, RunOutputs outputs)
    {
        if (outputs.IsConfined)
        {
            var parentPath = LexicalPath.Split(path).Parent;
            OpenBelowRoot(path, parentPath, annotation, outputs, create: false)?.Dispose();
        }
    }

    // The directory open at directoryFd (at directoryPath) is where path's output would go.
    private static void ThrowIfInside(
        int directoryFd,
        string directoryPath,
        string path,
        string annotation,
        IReadOnlyList<(FileIdentity Identity, string What)> forbidden)
    {
        var display = Encoding.UTF8.GetBytes(directoryPath);
        foreach (var (identity, what) in forbidden)
        {
            if (FileOperations.IsInside(directoryFd, identity, display))
            {
                throw new IOException($"{annotation} '{path}' lies inside {what}");
            }
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
    /// Opens the directory <paramref name="path"/> goes into, creating missing directories 0700,
    /// and checks that directory, the one the output is then made in, against
    /// <paramref name="forbidden"/>. With output roots, the path must lie lexically below one, and
    /// below it every directory is opened without following symlinks, so that nothing swapped in
    /// meanwhile can lead out of the root.
    /// </summary>
    public static FileDescriptor OpenParent(
        string path,
        string annotation,
        RunOutputs outputs,
        IReadOnlyList<(FileIdentity Identity, string What)> forbidden)
    {
        var parentPath = LexicalPath.Split(path).Parent;
        FileDescriptor parent;
        if (outputs.IsConfined)
        {
            parent = OpenBelowRoot(path, parentPath, annotation, outputs, create: true)!;
        }
        else
        {
            CreateParent(path);
            parent = FileDescriptor.OpenDirectory(parentPath);
        }
        try
        {
            ThrowIfInside(parent.Value, parentPath, path, annotation, forbidden);
            return parent;
        }
        catch
        {
            parent.Dispose();
            throw;
        }
    }

    // Null when not creating and a directory is missing: what exists so far is fine.
    private static FileDescriptor? OpenBelowRoot(
        string path,
        string parentPath,
        string annotation,
        RunOutputs outputs,
        bool create)
    {
        // A root missing at the start of the run was not opened, and admits nothing.
        var root = outputs.RootPaths.FirstOrDefault(r => parentPath == r || LexicalPath.IsBelow(parentPath, r));
        var opened = root is null ? null : outputs.OpenedRoot(root);
        if (opened is null)
        {
            throw new IOException(
                $"{annotation} '{path}' does not lie below an output root ({outputs.DescribeRoots()})");
        }
        var rootDisplay = Encoding.UTF8.GetBytes(root!);
        var directory = FileDescriptor.OpenDirectory(opened.Value, "."u8, rootDisplay);
        var reached = root!;
        try
        {
            var rootMount = FileStatus.MountId(directory.Value, rootDisplay);
            // What follows the root; splitting drops the '/' it starts with, if any.
            var rest = parentPath.Length > reached.Length ? parentPath[reached.Length..] : "";
            foreach (var component in rest.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                reached = reached == "/" ? "/" + component : $"{reached}/{component}";
                var next = OpenOrCreateDirectory(directory.Value, component, reached, path, annotation, create);
                directory.Dispose();
                if (next is null)
                {
                    return null;
                }
                directory = next;
                // O_NOFOLLOW does not stop at a mount point; a mount below the root leads anywhere.
                var mount = FileStatus.MountId(directory.Value, Encoding.UTF8.GetBytes(reached));
                if (rootMount is not null && mount != rootMount)
                {
                    throw new IOException(
                        $"{annotation} '{path}': '{reached}' is a mount point, and below an output root "
                            + "no mount is entered");
                }
            }
            return directory;
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    private static FileDescriptor? OpenOrCreateDirectory(
        int parentFd,
        string component,
        string reached,
        string path,
        string annotation,
        bool create)
    {
        var name = Encoding.UTF8.GetBytes(component);
        var display = Encoding.UTF8.GetBytes(reached);
        try
        {
            try
            {
                return FileDescriptor.OpenDirectory(parentFd, name, display);
            }
            catch (PosixException e) when (e.Errno == Errno.ENOENT)
            {
                if (!create)
                {
                    return null;
                }
                try
                {
                    FileOperations.MakeDirectory(parentFd, name, 0x1C0, display);
                }
                catch (PosixException made) when (made.Errno == Errno.EEXIST)
                {
                    // Made meanwhile by someone else: opened below like any other.
                }
                return FileDescriptor.OpenDirectory(parentFd, name, display);
            }
        }
        catch (PosixException e) when (e.Errno is Errno.ELOOP or Errno.ENOTDIR)
        {
            throw new IOException(
                $"{annotation} '{path}': '{reached}' is a symlink or not a directory, and below an output "
                    + "root only directories are followed");
        }
    }

    /// <summary>
    /// Creates the missing parent directories of <paramref name="path"/>, mode 0700: an archive
    /// keeps the container's setuid files and device nodes, which only root should reach.
    /// </summary>
    private static void CreateParent(string path)
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
