using System.Diagnostics;
using ArchiveOverlay.Logging;
using ArchiveOverlay.Oci;
using ArchiveOverlay.Overlay;
using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Archiving;

/// <summary>Archives one upperdir as one request asks: walk, write, commit, then the success file.</summary>
public static class ArchiveJob
{
    public static void Run(ArchiveRequest request, OverlayMount mount)
    {
        using var outputs = new RunOutputs();
        Run(request, mount, outputs);
    }

    public static void Run(ArchiveRequest request, OverlayMount mount, RunOutputs outputs)
    {
        var stopwatch = Stopwatch.StartNew();
        using var upperDir = OpenUpperDir(mount.UpperDir);
        (FileIdentity, string)[] forbidden =
        [
            (FileStatus.FStat(upperDir.Value, "."u8).Identity, "the upperdir"),
            .. outputs.Forbidden,
        ];
        OutputLocation.CheckBelowRoots(request.ArchiveTo, "archive-to", outputs);
        OutputLocation.CheckOutside(request.ArchiveTo, "archive-to", forbidden);
        if (request.SuccessPath is { } successPath)
        {
            OutputLocation.CheckBelowRoots(successPath, "success", outputs);
            OutputLocation.CheckOutside(successPath, "success", forbidden);
        }
        IndexedHardLinks.Refuse(mount);
        if (request.TarContentOwner is not null && request.Method == ArchiveMethod.Copy)
        {
            Log.OwnerIgnoredForCopy(request.Name);
        }
        var isCopy = request.Method == ArchiveMethod.Copy;
        var what = $"archive '{request.Name}'";
        using var output = AtomicOutput.Create(request.ArchiveTo, isDirectory: isCopy, outputs, forbidden);
        using var writer = CreateWriter(request, output);
        using var walker = new UpperDirWalker(output.TempIdentity, mount.LowerDirs, mount.Flavor);
        try
        {
            walker.Walk(upperDir, writer);
            writer.Complete();
        }
        catch (IOException e) when (IsOutputFailure(e))
        {
            throw new IOException($"write '{output.TempPath}'", e);
        }
        var archiveIdentity = output.Commit();
        outputs.RecordWritten(archiveIdentity, what);
        if (isCopy)
        {
            outputs.ForbidInside(archiveIdentity, what);
        }

        Log.ArchiveWritten(
            request.Name,
            ArchiveMethods.Name(request.Method),
            mount.Destination,
            mount.UpperDir,
            request.ArchiveTo,
            writer.Entries,
            writer.Bytes,
            stopwatch.Elapsed);
        ReportLeftOut(request.Name, walker, writer);
        if (request.SuccessPath is { } success)
        {
            var successForbidden = forbidden;
            if (isCopy)
            {
                // The copy exists only now: no directory of the success path may be made inside it.
                successForbidden = [.. forbidden, (archiveIdentity, "the archive")];
                OutputLocation.CheckOutside(success, "success", successForbidden);
            }
            var successIdentity = SuccessFile.Create(success, outputs, successForbidden);
            outputs.RecordWritten(successIdentity, $"the success file of archive '{request.Name}'");
            Log.SuccessFileCreated(request.Name, success);
        }
    }

    // Failures of the output, which would otherwise read as the upperdir's: .NET reports a failed
    // write to a descriptor with no path and the errno as HResult (a full or over-quota file
    // system, a file too large for it, an I/O error); a copy's system calls name the entry's
    // relative path, and only writing runs out of space.
    private static bool IsOutputFailure(IOException e) => e is PosixException posix
        ? posix.Errno is Errno.EFBIG or Errno.ENOSPC or Errno.EDQUOT
        : e.HResult is Errno.EIO or Errno.EFBIG or Errno.ENOSPC or Errno.EDQUOT;

    private static IArchiveWriter CreateWriter(ArchiveRequest request, AtomicOutput output)
    {
        if (request.Method == ArchiveMethod.Copy)
        {
            return new DirectoryCopyWriter(output.OpenDirectory());
        }
        return new TarGzWriter(output.CreateFile(), request.TarContentOwner);
    }

    private static FileDescriptor OpenUpperDir(string path)
    {
        try
        {
            return FileDescriptor.OpenDirectory(path);
        }
        catch (PosixException e)
        {
            throw new IOException($"open upperdir '{path}'", e);
        }
    }

    private static void ReportLeftOut(string archive, UpperDirWalker walker, IArchiveWriter writer)
    {
        if (walker.SkippedSockets > 0)
        {
            Log.SocketsLeftOut(archive, walker.SkippedSockets);
        }
        if (writer is DirectoryCopyWriter { OwnershipReport: { } report })
        {
            Log.OwnershipNotKept(archive, report.Count, report.FirstPath, report.Reason);
        }
    }
}
