using System.Text;

namespace ArchiveOverlay.Platform;

/// <summary>Conversions between byte paths and text, for system calls and for log lines.</summary>
public static class PathText
{
    private static readonly UTF8Encoding s_strictUtf8 = new(false, true);

    /// <summary>Copies <paramref name="path"/> with a terminating NUL, as system calls take it.</summary>
    public static byte[] NulTerminated(ReadOnlySpan<byte> path)
    {
        var result = new byte[path.Length + 1];
        path.CopyTo(result);
        return result;
    }

    public static byte[] NulTerminated(string path) => NulTerminated(Encoding.UTF8.GetBytes(path));

    /// <summary>Renders bytes for a log line: valid UTF-8 as is, every other byte as \xNN.</summary>
    public static string Display(ReadOnlySpan<byte> path)
    {
        if (IsValidUtf8(path) && !path.ContainsAnyInRange((byte)0, (byte)0x1f))
        {
            return Encoding.UTF8.GetString(path);
        }

        var builder = new StringBuilder(path.Length * 2);
        var rest = path;
        while (!rest.IsEmpty)
        {
            var status = System.Text.Rune.DecodeFromUtf8(rest, out var rune, out var consumed);
            if (status == System.Buffers.OperationStatus.Done && rune.Value >= 0x20)
            {
                builder.Append(rune.ToString());
            }
            else
            {
                for (var i = 0; i < consumed; i++)
                {
                    builder.Append(@"\x").Append(rest[i].ToString("x2", null));
                }
            }
            rest = rest[consumed..];
        }
        return builder.ToString();
    }

    public static bool IsValidUtf8(ReadOnlySpan<byte> bytes) => System.Text.Unicode.Utf8.IsValid(bytes);

    internal static bool TryDecodeStrict(ReadOnlySpan<byte> bytes, out string text)
    {
        try
        {
            text = s_strictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }
}
