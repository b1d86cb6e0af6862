using System.Globalization;

namespace ArchiveOverlay.IntegrationTests.Podman;

/// <summary>One line of a <see cref="PodmanReplayListing"/>.</summary>
public sealed record PodmanReplayEntry(
    string Path,
    string Type,
    string Mode,
    string Owner,
    string Size,
    string ModificationTime,
    string Device,
    string Content,
    string HardLinkOf,
    string NameBytes,
    string Xattrs)
{
    private const int FieldCount = 11;

    public bool IsRegularFile => Type is "regular file" or "regular empty file";

    /// <summary>The last path component.</summary>
    public string Name => Path[(Path.LastIndexOf('/') + 1)..];

    public static PodmanReplayEntry Parse(string line)
    {
        var fields = line.Split('|');
        if (fields.Length != FieldCount)
        {
            throw new FormatException($"listing line has {fields.Length} fields: '{line}'");
        }
        return new PodmanReplayEntry(
            fields[0],
            fields[1],
            fields[2],
            fields[3],
            fields[4],
            fields[5],
            fields[6],
            fields[7],
            fields[8],
            fields[9],
            fields[10]);
    }

    /// <summary>
    /// The mtime as nanoseconds since the epoch, from busybox's "2026-12-04 13:47:52.732835891
    /// +0000" (the script sets TZ=UTC0).
    /// </summary>
    public long ModificationTimeNanoseconds()
    {
        var parts = ModificationTime.Split(' ');
        var secondsAndFraction = parts[1].Split('.');
        var whole = DateTime.ParseExact(
            $"{parts[0]} {secondsAndFraction[0]}",
            "yyyy-MM-dd HH:mm:ss",
            CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        var fraction = secondsAndFraction.Length > 1
            ? long.Parse(secondsAndFraction[1].PadRight(9, '0'), CultureInfo.InvariantCulture)
            : 0;
        var seconds = (long)(whole - DateTime.UnixEpoch).TotalSeconds;
        return (seconds * 1_000_000_000) + fraction;
    }

    public override string ToString() =>
        string.Join(
            '|',
            Path,
            Type,
            Mode,
            Owner,
            Size,
            ModificationTime,
            Device,
            Content,
            HardLinkOf,
            NameBytes,
            Xattrs);
}
