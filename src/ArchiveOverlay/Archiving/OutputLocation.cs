using System.Text;
using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Archiving;

/// <summary>Checks where an output path really lies before anything is created there.</summary>
public static class OutputLocation
{
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
        var existing = LexicalPath.Split(path).Parent;
        while (!Directory.Exists(existing) && existing != "/")
        {
            existing = LexicalPath.Split(existing).Parent;
        }
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
}
