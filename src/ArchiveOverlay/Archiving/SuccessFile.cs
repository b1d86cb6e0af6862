using System.Text;
using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Archiving;

/// <summary>The empty file that tells a reader an archive is complete and on disk.</summary>
public static class SuccessFile
{
    /// <summary>
    /// Removes a success file left by an earlier run, so that it cannot vouch for the archive about
    /// to be written; a missing file is fine, anything but a regular file is an error.
    /// </summary>
    public static void RemoveStale(string path)
    {
        if (!FileStatus.TryLStat(path, out var status))
        {
            return;
        }
        if (status.Kind != FileKind.Regular)
        {
            throw new IOException($"success path '{path}' exists and is not a regular file");
        }
        File.Delete(path);
    }

    public static void Create(string path)
    {
        var (parentPath, name) = LexicalPath.Split(path);
        Directory.CreateDirectory(parentPath);
        using var parent = FileDescriptor.OpenDirectory(parentPath);
        var display = Encoding.UTF8.GetBytes(path);
        var flags = LibC.O_WRONLY | LibC.O_CREAT | LibC.O_TRUNC | LibC.O_NOFOLLOW;
        using (var file = FileDescriptor.Open(parent.Value, Encoding.UTF8.GetBytes(name), flags, 0x1A4, display))
        {
            FileOperations.Sync(file.Value, display);
        }
        FileOperations.Sync(parent.Value, display);
    }
}
