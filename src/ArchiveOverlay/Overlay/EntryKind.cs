namespace ArchiveOverlay.Overlay;

/// <summary>What an upperdir entry is, in overlay terms: a whiteout is not just a character device.</summary>
public enum EntryKind
{
    Directory,
    RegularFile,
    Symlink,
    Whiteout,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
}
