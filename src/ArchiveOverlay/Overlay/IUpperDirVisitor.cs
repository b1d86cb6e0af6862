namespace ArchiveOverlay.Overlay;

/// <summary>Receives an upperdir in walk order: a directory, then its children, then its end.</summary>
public interface IUpperDirVisitor
{
    void Visit(UpperDirEntry entry);

    /// <summary>Called after every child of <paramref name="directory"/> was visited.</summary>
    void LeaveDirectory(UpperDirEntry directory);
}
