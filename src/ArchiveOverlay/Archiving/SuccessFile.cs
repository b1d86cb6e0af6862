using System.Text;
using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Archiving;

/// <summary>The empty file that tells a reader an archive is complete and on disk.</summary>
public static class SuccessFile
{
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
