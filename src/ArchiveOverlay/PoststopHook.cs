using System.Text;
using System.Text.Json;
using ArchiveOverlay.Archiving;
using ArchiveOverlay.Cli;
using ArchiveOverlay.Logging;
using ArchiveOverlay.Oci;
using ArchiveOverlay.Overlay;
using ArchiveOverlay.Platform;

namespace ArchiveOverlay;

/// <summary>
/// The hook's work: read the state, find the requested archives, write each one. Every archive is
/// attempted even when another fails; a run with nothing requested returns without reading the bundle.
/// </summary>
public static class PoststopHook
{
    // The OCI state is a few hundred bytes; anything this large is not a state.
    private const int MaxStateBytes = 16 * 1024 * 1024;
    private const long MaxConfigBytes = 64 * 1024 * 1024;

    /// <param name="stdin">The OCI state.</param>
    /// <param name="outputRoots">Directories every archive and success file must lie below; none: anywhere.</param>
    public static int Run(Stream stdin, IReadOnlyList<string>? outputRoots = null)
    {
        var state = ReadState(stdin);
        Log.SetContainer(state.Id!);

        var annotationSource = "state";
        var annotations = state.Annotations;
        BundleConfig? config = null;
        if (annotations is not { Count: > 0 })
        {
            config = ReadConfig(state.Bundle!);
            annotations = config.Annotations ?? [];
            annotationSource = "config.json";
        }
        var archives = ArchiveAnnotations.Group(annotations);
        if (archives.Count == 0)
        {
            Log.NoArchiveRequested();
            return ExitCodes.Success;
        }
        Log.ArchivesRequested(archives.Count, annotationSource);

        config ??= ReadConfig(state.Bundle!);
        var failures = 0;
        var requests = new List<ArchiveRequest>();
        foreach (var (name, fields) in archives)
        {
            try
            {
                requests.Add(ArchiveRequest.FromAnnotations(name, fields));
            }
            catch (Exception e)
            {
                Log.ArchiveFailed(name, e);
                failures++;
            }
        }
        var clashes = OutputClashes.Find(requests);
        using var outputs = new RunOutputs(outputRoots);
        foreach (var (directory, what) in OverlayMount.DirectoriesToKeepOutOf(config.Mounts ?? []))
        {
            outputs.ForbidInside(directory, what);
        }
        foreach (var request in requests)
        {
            // After a termination signal the remaining archives are reported, not attempted.
            if (clashes.TryGetValue(request.Name, out var clash))
            {
                Log.ArchiveFailed(request.Name, new InvalidInputException(clash));
                failures++;
            }
            else if (!TryArchive(request, config, outputs))
            {
                failures++;
            }
        }
        return failures == 0 ? ExitCodes.Success : ExitCodes.ArchiveFailed;
    }

    // One archive's failure, whatever its cause, must not keep the others from being written.
    private static bool TryArchive(ArchiveRequest request, BundleConfig config, RunOutputs outputs)
    {
        try
        {
            var mount = OverlayMount.Find(config.Mounts ?? [], request.MountPoint);
            Log.MountMatched(request.Name, mount.Destination, mount.UpperDir);
            ArchiveJob.Run(request, mount, outputs);
            return true;
        }
        catch (Exception e)
        {
            Log.ArchiveFailed(request.Name, e);
            return false;
        }
    }

    private static int ReadStdin(Stream stdin, byte[] chunk)
    {
        try
        {
            return stdin.Read(chunk);
        }
        catch (IOException e)
        {
            throw new InvalidInputException("read container state from stdin", e);
        }
    }

    private static ContainerState ReadState(Stream stdin)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = ReadStdin(stdin, chunk)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxStateBytes)
            {
                throw new InvalidInputException("container state on stdin is larger than 16 MiB");
            }
        }

        ContainerState? state;
        try
        {
            var json = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
            state = JsonSerializer.Deserialize(json, OciJsonContext.Default.ContainerState);
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"parse container state from stdin: {e.Message}");
        }
        if (state is null || string.IsNullOrEmpty(state.Id))
        {
            throw new InvalidInputException("container state from stdin has no 'id'");
        }
        if (string.IsNullOrEmpty(state.Bundle) || !state.Bundle.StartsWith('/'))
        {
            throw new InvalidInputException($"container state has no absolute 'bundle' path (got '{state.Bundle}')");
        }
        return state;
    }

    // config.json is opened without blocking and must be a regular file: a FIFO there must not hang
    // the container's shutdown.
    private static BundleConfig ReadConfig(string bundle)
    {
        var path = Path.Join(bundle, "config.json");
        byte[] json;
        try
        {
            json = ReadRegularFile(path, MaxConfigBytes);
        }
        catch (IOException e)
        {
            throw new InvalidInputException($"read bundle config '{path}'", e);
        }
        try
        {
            return JsonSerializer.Deserialize(json, OciJsonContext.Default.BundleConfig)
                ?? throw new InvalidInputException($"bundle config '{path}' is null");
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"parse bundle config '{path}': {e.Message}");
        }
    }

    private static byte[] ReadRegularFile(string path, long maxBytes)
    {
        var name = Encoding.UTF8.GetBytes(path);
        var flags = LibC.O_RDONLY | LibC.O_NONBLOCK;
        using var file = FileDescriptor.Open(LibC.AT_FDCWD, name, flags, 0, name);
        var status = FileStatus.FStat(file.Value, name);
        if (status.Kind != FileKind.Regular)
        {
            throw new IOException($"'{path}' is not a regular file");
        }
        if (status.Size > maxBytes)
        {
            throw new IOException($"'{path}' is larger than {maxBytes / (1024 * 1024)} MiB");
        }
        using var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(file.Detach(), ownsHandle: true);
        var content = new byte[status.Size];
        var read = 0;
        while (read < content.Length)
        {
            var count = RandomAccess.Read(handle, content.AsSpan(read), read);
            if (count == 0)
            {
                throw new IOException($"'{path}' shrank while being read");
            }
            read += count;
        }
        return content;
    }
}
