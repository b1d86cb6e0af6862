namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>What a generated change does to a path in a mounted overlay.</summary>
internal enum ChangeKind
{
    Create,
    Write,
    Append,
    Truncate,
    ChangeMode,
    ChangeOwner,
    SetXattr,
    RemoveXattr,
    Rename,
    Link,
    Symlink,
    Remove,
    RemoveTreeAndRecreate,
    MakeDirectory,
    MakeFifo,
    SetTime,

    /// <summary>A 0/0 character device: lower layers only, a mount makes its own whiteouts.
    /// </summary>
    MakeWhiteout,
}
