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
    public static void Create(string path)
    {
        var (parentPath, name) = LexicalPath.Split(path);
        Directory.CreateDirectory(parentPath);
        using var parent = FileDescriptor.OpenDirectory(parentPath);
        var display = Encoding.UTF8.GetBytes(path);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var flags = LibC.O_WRONLY | LibC.O_CREAT | LibC.O_EXCL | LibC.O_NOFOLLOW | LibC.O_NONBLOCK;
        try
        {
            using var file = FileDescriptor.Open(parent.Value, nameBytes, flags, 0x1A4, display);
            FileOperations.Sync(file.Value, display);
        }
        catch (PosixException e) when (e.Errno == Errno.EEXIST)
        {
            var existing = FileStatus.LStat(parent.Value, nameBytes, display);
            if (existing.Kind != FileKind.Regular || existing.Size != 0)
            {
                throw new IOException($"success path '{path}' exists and is not an empty file; it is left as it is");
            }
        }
        FileOperations.Sync(parent.Value, display);
    }
}
