namespace ArchiveOverlay.Platform;

/// <summary>Removes a directory tree by descriptors, without recursion and without following symlinks.</summary>
public static class TreeRemover
{
    public static void Remove(int parentFd, byte[] name, ReadOnlySpan<byte> displayPath)
    {
        if (FileStatus.LStat(parentFd, name, displayPath).Kind != FileKind.Directory)
        {
            FileOperations.Remove(parentFd, name, isDirectory: false, displayPath);
            return;
        }

        using var parent = FileDescriptor.OpenDirectory(parentFd, "."u8, displayPath);
        using var chain = new DirectoryChain(parent, FileStatus.FStat(parent.Value, displayPath).Identity);
        var frames = new Stack<(byte[] Name, List<byte[]> Children)>();
        frames.Push((name, Enter(chain, name, displayPath)));
        while (frames.Count > 0)
        {
            var (directoryName, children) = frames.Peek();
            if (children.Count == 0)
            {
                frames.Pop();
                chain.Pop(displayPath);
                FileOperations.Remove(chain.Current, directoryName, isDirectory: true, displayPath);
                continue;
            }
            var child = children[^1];
            children.RemoveAt(children.Count - 1);
            if (FileStatus.LStat(chain.Current, child, displayPath).Kind == FileKind.Directory)
            {
                frames.Push((child, Enter(chain, child, displayPath)));
            }
            else
            {
                FileOperations.Remove(chain.Current, child, isDirectory: false, displayPath);
            }
        }
    }

    private static List<byte[]> Enter(DirectoryChain chain, byte[] name, ReadOnlySpan<byte> displayPath)
    {
        var directory = FileDescriptor.OpenDirectory(chain.Current, name, displayPath);
        try
        {
            // A copied directory may have mode 000; a user-namespace root needs the bits to enter it.
            FileOperations.SetMode(directory.Value, 0x1C0, displayPath);
            var children = FileOperations.ReadDirectory(directory.Value, displayPath);
            chain.Push(directory, FileStatus.FStat(directory.Value, displayPath).Identity);
            return children;
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }
}
