using System.Globalization;
using System.Text;

namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>File names are bytes: helpers to build them and to show them with \xNN escapes.
/// </summary>
internal static class ByteText
{
    /// <summary>The UTF-8 bytes of a string.</summary>
    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>"a" + "/" + "b", as bytes; an empty parent gives the child alone.</summary>
    public static byte[] Join(ReadOnlySpan<byte> parent, ReadOnlySpan<byte> child)
    {
        if (parent.IsEmpty)
        {
            return child.ToArray();
        }
        return [.. parent, (byte)'/', .. child];
    }

    /// <summary>Printable ASCII as it is, a backslash doubled, every other byte as \xNN.</summary>
    public static string Display(ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b == (byte)'\\')
            {
                builder.Append(@"\\");
            }
            else if (b >= 0x20 && b < 0x7F)
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append(@"\x").Append(b.ToString("x2", CultureInfo.InvariantCulture));
            }
        }
        return builder.ToString();
    }

    /// <summary>A path below the root as "./a/b", the root itself as ".".</summary>
    public static string DisplayPath(ReadOnlySpan<byte> relativePath) =>
        relativePath.IsEmpty ? "." : "./" + Display(relativePath);
}
