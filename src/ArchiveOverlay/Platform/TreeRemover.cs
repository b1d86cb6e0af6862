namespace ArchiveOverlay.Platform;

/// <summary>Removes a directory tree by descriptors, without recursion and without following symlinks.</summary>
public static class TreeRemover
{
    public static void Remove(int parentFd, byte[] name, ReadOnlySpan<byte> displayPath)
    {
        var status = FileStatus.LStat(parentFd, name, displayPath);
        if (status.Kind != FileKind.Directory)
        {
            FileOperations.Remove(parentFd, name, isDirectory: false, displayPath);
            return;
        }

        var frames = new Stack<(FileDescriptor Directory, int ParentFd, byte[] Name, List<byte[]> Names)>();
        frames.Push(Open(parentFd, name, displayPath));
        try
        {
            while (frames.Count > 0)
            {
                var (directory, parent, directoryName, names) = frames.Peek();
                if (names.Count == 0)
                {
                    frames.Pop();
                    directory.Dispose();
                    FileOperations.Remove(parent, directoryName, isDirectory: true, displayPath);
                    continue;
                }
                var child = names[^1];
                names.RemoveAt(names.Count - 1);
                if (FileStatus.LStat(directory.Value, child, displayPath).Kind == FileKind.Directory)
                {
                    frames.Push(Open(directory.Value, child, displayPath));
                }
                else
                {
                    FileOperations.Remove(directory.Value, child, isDirectory: false, displayPath);
                }
            }
        }
        finally
        {
            foreach (var frame in frames)
            {
                frame.Directory.Dispose();
            }
        }
    }

    private static (FileDescriptor, int, byte[], List<byte[]>) Open(
        int parentFd,
        byte[] name,
        ReadOnlySpan<byte> displayPath)
    {
        var directory = FileDescriptor.OpenDirectory(parentFd, name, displayPath);
        // A directory left with mode 000 is still readable by root, but not by a user-namespace root.
        FileOperations.SetMode(directory.Value, 0x1C0, displayPath);
        return (directory, parentFd, name, FileOperations.ReadDirectory(directory.Value, displayPath));
    }
}
