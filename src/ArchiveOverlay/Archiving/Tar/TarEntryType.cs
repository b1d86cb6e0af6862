namespace ArchiveOverlay.Archiving.Tar;

/// <summary>The typeflag byte of a POSIX ustar header.</summary>
public enum TarEntryType : byte
{
    RegularFile = (byte)'0',
    HardLink = (byte)'1',
    Symlink = (byte)'2',
    CharDevice = (byte)'3',
    BlockDevice = (byte)'4',
    Directory = (byte)'5',
    Fifo = (byte)'6',
    ExtendedHeader = (byte)'x',
}
