using System.Security.Cryptography;
using System.Text;
using ArchiveOverlay.Logging;
using ArchiveOverlay.Platform;
using Microsoft.Win32.SafeHandles;

namespace ArchiveOverlay.Archiving;

/// <summary>
/// A file or directory written under a temporary name beside its target and renamed over it only
/// when complete, so the target path never shows a partial archive. An existing target is replaced
/// only when it is empty; anything else there is left untouched and the archive fails.
/// </summary>
public sealed class AtomicOutput : IDisposable
{
    /// <summary>Names of temporaries start with this, so a leftover one is easy to recognise.</summary>
    public const string TempPrefix = ".archive_overlay-";

    private readonly FileDescriptor _parent;
    private readonly byte[] _tempName;
    private readonly byte[] _targetName;
    private readonly bool _replaceEmpty;
    private bool _committed;

    private AtomicOutput(FileDescriptor parent, string target, bool isDirectory, bool replaceEmpty)
    {
        _parent = parent;
        Target = target;
        IsDirectory = isDirectory;
        _replaceEmpty = replaceEmpty;
        var (_, name) = LexicalPath.Split(target);
        _targetName = Encoding.UTF8.GetBytes(name);
        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        // Part of the name is enough to recognise a leftover, and keeps it under NAME_MAX.
        var shortName = name.Length > 40 ? name[..40] : name;
        _tempName = Encoding.UTF8.GetBytes($"{TempPrefix}{shortName}-{suffix}");
        TempPath = $"{LexicalPath.Split(target).Parent}/{Encoding.UTF8.GetString(_tempName)}";
    }

    public string Target { get; }

    public string TempPath { get; }

    public bool IsDirectory { get; }

    /// <summary>Checks the target, creates missing parent directories and the temporary.</summary>
    public static AtomicOutput Create(
        string target,
        bool isDirectory,
        RunOutputs outputs,
        IReadOnlyList<(FileIdentity Identity, string What)> forbidden)
    {
        var parent = OutputLocation.OpenParent(target, "archive-to", outputs, forbidden);
        bool replaceEmpty;
        try
        {
            replaceEmpty = CheckTarget(parent.Value, target, isDirectory, outputs);
        }
        catch
        {
            parent.Dispose();
            throw;
        }
        var output = new AtomicOutput(parent, target, isDirectory, replaceEmpty);
        try
        {
            if (isDirectory)
            {
                var display = Encoding.UTF8.GetBytes(output.TempPath);
                FileOperations.MakeDirectory(parent.Value, output._tempName, 0x1C0, display);
            }
            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    /// <summary>Creates the temporary file; only for a file output.</summary>
    /// <remarks>Mode 0600: the archive holds the container's files, some of them private.</remarks>
    public SafeFileHandle CreateFile() =>
        FileDescriptor.CreateExclusive(_parent.Value, _tempName, 0x180, Encoding.UTF8.GetBytes(TempPath));

    /// <summary>Opens the temporary directory; only for a directory output.</summary>
    public FileDescriptor OpenDirectory() =>
        FileDescriptor.OpenDirectory(_parent.Value, _tempName, Encoding.UTF8.GetBytes(TempPath));

    /// <summary>Device and inode of the temporary, so a walk can refuse to archive its own output.</summary>
    public FileIdentity TempIdentity =>
        FileStatus.LStat(_parent.Value, _tempName, Encoding.UTF8.GetBytes(TempPath)).Identity;

    /// <summary>
    /// Renames the complete temporary over the target and makes the rename durable; returns the
    /// archive's device and inode.
    /// </summary>
    public FileIdentity Commit()
    {
        var display = Encoding.UTF8.GetBytes(Target);
        try
        {
            if (_replaceEmpty && !IsDirectory)
            {
                ReplaceEmptyFile(display);
            }
            else
            {
                // rename(2) replaces a directory only while it is empty, and with NOREPLACE
                // nothing at all: whatever filled the target meanwhile stays.
                FileOperations.Rename(_parent.Value, _tempName, _targetName, _replaceEmpty, display);
            }
        }
        catch (PosixException e) when (e.Errno is Errno.EEXIST or Errno.ENOTEMPTY)
        {
            throw new IOException($"archive-to '{Target}' appeared while archiving; it is left as it is", e);
        }
        _committed = true;
        FileOperations.Sync(_parent.Value, display);
        return FileStatus.LStat(_parent.Value, _targetName, display).Identity;
    }

    // rename(2) replaces any file, so the empty file seen at the start is swapped with the archive
    // and looked at again: if another writer filled it meanwhile, it is swapped back, untouched.
    private void ReplaceEmptyFile(ReadOnlySpan<byte> display)
    {
        if (!FileOperations.TryExchange(_parent.Value, _tempName, _targetName, display))
        {
            // A file system without RENAME_EXCHANGE: the check at the start has to do.
            FileOperations.Rename(_parent.Value, _tempName, _targetName, replace: true, display);
            return;
        }
        var displaced = FileStatus.LStat(_parent.Value, _tempName, Encoding.UTF8.GetBytes(TempPath));
        if (displaced.Kind == FileKind.Regular && displaced.Size == 0)
        {
            RemoveTemporary();
            return;
        }
        var restored = false;
        try
        {
            restored = FileOperations.TryExchange(_parent.Value, _tempName, _targetName, display);
        }
        catch (PosixException)
        {
        }
        if (!restored)
        {
            // Their file is at the temporary's name now: it must survive the cleanup.
            _committed = true;
            throw new IOException(
                $"archive-to '{Target}' was written by someone else while archiving, and could not be put "
                    + $"back: it is at '{TempPath}', this archive at '{Target}'");
        }
        throw new IOException(
            $"archive-to '{Target}' was written by someone else while archiving; it is left as it is");
    }

    public void Dispose()
    {
        if (!_committed)
        {
            RemoveTemporary();
        }
        _parent.Dispose();
    }

    // Cleanup runs while another failure is on its way out: it must not replace that one. What
    // it cannot remove is named in a warning.
    private void RemoveTemporary()
    {
        var display = Encoding.UTF8.GetBytes(TempPath);
        try
        {
            TreeRemover.Remove(_parent.Value, _tempName, display);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                FileStatus.LStat(_parent.Value, _tempName, display);
            }
            catch (PosixException gone) when (gone.Errno == Errno.ENOENT)
            {
                return;
            }
            Log.TemporaryLeft(TempPath, e);
        }
    }

    private static bool IsEmptyDirectory(int parentFd, byte[] name, ReadOnlySpan<byte> display)
    {
        using var directory = FileDescriptor.OpenDirectory(parentFd, name, display);
        return FileOperations.ReadDirectory(directory.Value, display).Count == 0;
    }

    // True when an empty file or directory of the right kind stands at the target and may be
    // replaced: one that this run did not write itself.
    private static bool CheckTarget(int parentFd, string target, bool isDirectory, RunOutputs outputs)
    {
        var name = Encoding.UTF8.GetBytes(LexicalPath.Split(target).Name);
        var display = Encoding.UTF8.GetBytes(target);
        FileStatus status;
        try
        {
            status = FileStatus.LStat(parentFd, name, display);
        }
        catch (PosixException e) when (e.Errno == Errno.ENOENT)
        {
            return false;
        }
        var isEmpty = isDirectory
            ? status.Kind == FileKind.Directory && IsEmptyDirectory(parentFd, name, display)
            : status.Kind == FileKind.Regular && status.Size == 0;
        if (!isEmpty)
        {
            var kind = status.Kind switch
            {
                FileKind.Directory => "a directory that is not empty",
                FileKind.Regular => "a file that is not empty",
                _ => "neither a file nor a directory",
            };
            var expected = isDirectory ? "an empty directory" : "an empty file";
            throw new IOException(
                $"archive-to '{target}' already exists and is {kind} (only {expected} may be replaced); "
                    + "it is left as it is");
        }
        if (outputs.WrittenAs(status.Identity) is { } other)
        {
            throw new IOException($"archive-to '{target}' is {other}, written by this run; it is left as it is");
        }
        return true;
    }
}
