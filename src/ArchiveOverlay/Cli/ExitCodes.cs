namespace ArchiveOverlay.Cli;

/// <summary>The hook's exit status, as the runtime sees it.</summary>
public static class ExitCodes
{
    /// <summary>Every requested archive was written, or none was requested.</summary>
    public const int Success = 0;

    /// <summary>At least one requested archive was not written; the others were attempted.</summary>
    public const int ArchiveFailed = 1;

    /// <summary>Bad command line, state JSON or bundle: nothing could be attempted.</summary>
    public const int BadInput = 2;
}
