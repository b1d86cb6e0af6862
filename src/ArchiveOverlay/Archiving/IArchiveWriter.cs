using ArchiveOverlay.Overlay;

namespace ArchiveOverlay.Archiving;

/// <summary>
/// Turns an upperdir walk into one output format, written into a temporary place that
/// <see cref="AtomicOutput"/> renames into place only after <see cref="Complete"/>.
/// </summary>
public interface IArchiveWriter : IUpperDirVisitor, IDisposable
{
    /// <summary>Entries written so far.</summary>
    long Entries { get; }

    /// <summary>Bytes written so far: file data for a copy, the compressed size for a tar.</summary>
    long Bytes { get; }

    /// <summary>Finishes the format and flushes everything to disk.</summary>
    void Complete();
}
