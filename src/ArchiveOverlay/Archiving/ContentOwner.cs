using System.Globalization;

namespace ArchiveOverlay.Archiving;

/// <summary>The owner written into every tar entry: a uid and, when given, a gid.</summary>
public readonly record struct ContentOwner(uint Uid, uint? Gid)
{
    // 4294967295 is (uid_t)-1, which chown(2) reads as "leave unchanged": no owner can have it.
    private const uint MaxId = uint.MaxValue - 1;

    /// <summary>Parses "UID" or "UID:GID", decimal digits only.</summary>
    public static bool TryParse(string value, out ContentOwner owner)
    {
        owner = default;
        var parts = value.Split(':');
        if (parts.Length > 2 || !TryParseId(parts[0], out var uid))
        {
            return false;
        }
        uint? gid = null;
        if (parts.Length == 2)
        {
            if (!TryParseId(parts[1], out var parsedGid))
            {
                return false;
            }
            gid = parsedGid;
        }
        owner = new ContentOwner(uid, gid);
        return true;
    }

    private static bool TryParseId(string text, out uint id)
    {
        id = 0;
        return text.Length > 0
            && text.All(char.IsAsciiDigit)
            && uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id)
            && id <= MaxId;
    }
}
