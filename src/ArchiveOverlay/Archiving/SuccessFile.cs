using System.Text;
using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Archiving;

/// <summary>The empty file that tells a reader an archive is complete and on disk.</summary>
public static class SuccessFile
{
    /// <summary>
    /// Creates the empty file, never opening, truncating or following anything already there: an
    /// empty regular file there is taken as it is, anything else is left untouched and is an error.
    /// </summary>
    /// <returns>The device and inode of the success file.</returns>
    public static FileIdentity Create(
        string path,
        RunOutputs outputs,
        IReadOnlyList<(FileIdentity Identity, string What)> forbidden)
    {
        var (_, name) = LexicalPath.Split(path);
        using var parent = OutputLocation.OpenParent(path, "success", outputs, forbidden);
        var display = Encoding.UTF8.GetBytes(path);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var flags = LibC.O_WRONLY | LibC.O_CREAT | LibC.O_EXCL | LibC.O_NOFOLLOW | LibC.O_NONBLOCK;
        try
        {
            using var file = FileDescriptor.Open(parent.Value, nameBytes, flags, 0x1A4, display);
            FileOperations.Sync(file.Value, display);
            FileOperations.Sync(parent.Value, display);
            return FileStatus.FStat(file.Value, display).Identity;
        }
        catch (PosixException e) when (e.Errno == Errno.EEXIST)
        {
            var existing = FileStatus.LStat(parent.Value, nameBytes, display);
            if (existing.Kind != FileKind.Regular || existing.Size != 0)
            {
                throw new IOException($"success path '{path}' exists and is not an empty file; it is left as it is");
            }
            if (outputs.WrittenAs(existing.Identity) is { } other)
            {
                throw new IOException($"success path '{path}' is {other}, written by this run; it is left as it is");
            }
            FileOperations.Sync(parent.Value, display);
            return existing.Identity;
        }
    }
}
