namespace ArchiveOverlay.Overlay;

/// <summary>
/// Refuses a kernel mount made with index=on whose index holds entries. The kernel then indexes
/// every copied-up lower file with more than one name, and shows the lower names left behind with
/// the copy's new content; the upperdir alone holds only the name the container wrote through, so
/// an archive of it would bring the other names back with their old content.
/// </summary>
public static class IndexedHardLinks
{
    // The kernel keeps the index beside the "work" directory, in the workdir= directory.
    private const string IndexDirectory = "index";

    public static void Refuse(OverlayMount mount)
    {
        if (mount.Flavor == OverlayFlavor.FuseOverlayfs || mount.WorkDir is null)
        {
            return;
        }
        var index = Path.Join(mount.WorkDir, IndexDirectory);
        if (Directory.Exists(index) && Directory.EnumerateFileSystemEntries(index).Any())
        {
            throw new IOException(
                $"the overlay at '{mount.Destination}' was mounted with index=on and its index '{index}' is not "
                + "empty: hard-linked lower files were copied up, and their other names cannot be archived "
                + "from the upperdir");
        }
    }
}
