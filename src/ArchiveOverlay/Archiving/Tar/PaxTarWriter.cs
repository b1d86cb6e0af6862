using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using ArchiveOverlay.Platform;

namespace ArchiveOverlay.Archiving.Tar;

/// <summary>
/// Writes a POSIX.1-2001 (PAX) tar stream. A ustar header carries what fits; an extended header
/// carries the rest: long names, large ids and sizes, nanosecond or pre-1970 times, xattrs as
/// SCHILY.xattr records, and sparse files in the GNU 1.0 layout that GNU tar, bsdtar and Python read.
/// </summary>
public sealed class PaxTarWriter
{
    public const int BlockSize = 512;

    private const int NameFieldLength = 100;
    private const long MaxOctal7 = 0x1FFFFF;
    private const long MaxOctal11 = 0x1FFFFFFFF;

    private static readonly byte[] s_zeroBlock = new byte[BlockSize];

    private readonly Stream _output;
    private readonly byte[] _header = new byte[BlockSize];
    private long _dataRemaining;
    private long _dataWritten;

    public PaxTarWriter(Stream output)
    {
        _output = output;
    }

    /// <summary>Bytes written to the output so far.</summary>
    public long Position { get; private set; }

    /// <summary>Writes the headers of an entry; its data must follow through <see cref="WriteData"/>.</summary>
    public void WriteHeader(TarEntryHeader entry)
    {
        if (_dataRemaining != 0)
        {
            throw new InvalidOperationException("the previous entry's data is incomplete");
        }
        var sparseMap = entry.SparseMap is null ? null : EncodeSparseMap(entry.SparseMap);
        var storedSize = sparseMap is null ? entry.Size : sparseMap.Length + entry.SparseMap!.Sum(r => r.Length);

        var records = ExtendedRecords(entry, storedSize);
        if (records.Length > 0)
        {
            WriteUstarHeader("././@PaxHeader"u8, TarEntryType.ExtendedHeader, 0x1A4, 0, 0, records.Length, entry);
            WriteBlocks(records);
        }
        var name = sparseMap is null ? entry.Name : SparsePlaceholderName(entry.Name);
        WriteUstarHeader(name, entry.Type, entry.Mode, entry.Uid, entry.Gid, storedSize, entry);
        if (sparseMap is not null)
        {
            // The map fills whole blocks, so the data regions that follow start block-aligned.
            WriteRaw(sparseMap);
        }
        _dataRemaining = storedSize - (sparseMap?.Length ?? 0);
        _dataWritten = 0;
        EndDataIfComplete();
    }

    /// <summary>Writes file data of the current entry; more than the header announced is an error.</summary>
    public void WriteData(ReadOnlySpan<byte> data)
    {
        if (data.Length > _dataRemaining)
        {
            throw new InvalidOperationException("more data than the entry's size");
        }
        WriteRaw(data);
        _dataRemaining -= data.Length;
        _dataWritten += data.Length;
        EndDataIfComplete();
    }

    /// <summary>Bytes of data the current entry still expects.</summary>
    public long DataRemaining => _dataRemaining;

    /// <summary>Ends the archive with two zero blocks.</summary>
    public void Finish()
    {
        if (_dataRemaining != 0)
        {
            throw new InvalidOperationException("the last entry's data is incomplete");
        }
        WriteRaw(s_zeroBlock);
        WriteRaw(s_zeroBlock);
    }

    private void EndDataIfComplete()
    {
        if (_dataRemaining == 0)
        {
            Pad(_dataWritten);
            _dataWritten = 0;
        }
    }

    private void WriteUstarHeader(
        ReadOnlySpan<byte> name,
        TarEntryType type,
        uint mode,
        uint uid,
        uint gid,
        long size,
        TarEntryHeader entry)
    {
        var header = _header.AsSpan();
        header.Clear();
        CopyTruncated(name, header[..NameFieldLength]);
        WriteNumber(header.Slice(100, 8), mode & 0xFFF);
        WriteNumber(header.Slice(108, 8), uid);
        WriteNumber(header.Slice(116, 8), gid);
        WriteNumber(header.Slice(124, 12), size);
        WriteNumber(header.Slice(136, 12), Math.Clamp(entry.ModifiedSeconds, 0, MaxOctal11));
        header[156] = (byte)type;
        if (type != TarEntryType.ExtendedHeader)
        {
            CopyTruncated(entry.LinkName, header.Slice(157, 100));
        }
        "ustar\0"u8.CopyTo(header[257..]);
        "00"u8.CopyTo(header[263..]);
        if (type is TarEntryType.CharDevice or TarEntryType.BlockDevice)
        {
            WriteNumber(header.Slice(329, 8), entry.DeviceMajor);
            WriteNumber(header.Slice(337, 8), entry.DeviceMinor);
        }
        WriteChecksum(header);
        WriteRaw(header);
    }

    // The checksum is the byte sum of the header with the checksum field itself read as eight spaces.
    private static void WriteChecksum(Span<byte> header)
    {
        header.Slice(148, 8).Fill((byte)' ');
        var sum = 0;
        foreach (var b in header)
        {
            sum += b;
        }
        var digits = Convert.ToString(sum, 8).PadLeft(6, '0');
        Encoding.ASCII.GetBytes(digits, header.Slice(148, 6));
        header[154] = 0;
        header[155] = (byte)' ';
    }

    // Octal with a terminating NUL when it fits; otherwise the base-256 form GNU tar and Python read.
    private static void WriteNumber(Span<byte> field, long value)
    {
        var digits = field.Length - 1;
        if (value >= 0 && value < (1L << (3 * digits)))
        {
            var text = Convert.ToString(value, 8).PadLeft(digits, '0');
            Encoding.ASCII.GetBytes(text, field);
            field[digits] = 0;
            return;
        }
        field.Clear();
        BinaryPrimitives.WriteInt64BigEndian(field[^8..], value);
        field[0] |= 0x80;
    }

    private static byte[] ExtendedRecords(TarEntryHeader entry, long storedSize)
    {
        var records = new MemoryStream();
        if (entry.SparseMap is not null)
        {
            AddRecord(records, "GNU.sparse.major"u8, "1"u8);
            AddRecord(records, "GNU.sparse.minor"u8, "0"u8);
            AddRecord(records, "GNU.sparse.name"u8, entry.Name);
            AddRecord(records, "GNU.sparse.realsize"u8, Ascii(entry.Size));
        }
        else if (entry.Name.Length > NameFieldLength)
        {
            AddRecord(records, "path"u8, entry.Name);
        }
        if (entry.LinkName.Length > NameFieldLength)
        {
            AddRecord(records, "linkpath"u8, entry.LinkName);
        }
        if (records.Length > 0 && (!PathText.IsValidUtf8(entry.Name) || !PathText.IsValidUtf8(entry.LinkName)))
        {
            // Path values are UTF-8 unless this says otherwise (POSIX pax, "hdrcharset").
            AddRecord(records, "hdrcharset"u8, "BINARY"u8);
        }
        if (entry.Uid > MaxOctal7)
        {
            AddRecord(records, "uid"u8, Ascii(entry.Uid));
        }
        if (entry.Gid > MaxOctal7)
        {
            AddRecord(records, "gid"u8, Ascii(entry.Gid));
        }
        if (storedSize > MaxOctal11)
        {
            AddRecord(records, "size"u8, Ascii(storedSize));
        }
        if (entry.ModifiedNanoseconds != 0 || entry.ModifiedSeconds < 0 || entry.ModifiedSeconds > MaxOctal11)
        {
            var time = FormatTime(entry.ModifiedSeconds, entry.ModifiedNanoseconds);
            AddRecord(records, "mtime"u8, Encoding.ASCII.GetBytes(time));
        }
        // A record's length prefix, not its newline, says where it ends: a name with a newline
        // (any byte but NUL may be in one) is stored as it is, as GNU tar does.
        foreach (var xattr in entry.Xattrs)
        {
            AddRecord(records, [.. "SCHILY.xattr."u8, .. EncodeXattrName(xattr.Name)], xattr.Value);
        }
        return records.ToArray();
    }

    // A keyword ends at its first '=', so GNU tar writes '=' in an xattr name as "%3D", and '%' as
    // "%25" so that the escape stays unambiguous; it decodes both on extraction.
    private static byte[] EncodeXattrName(byte[] name)
    {
        if (name.AsSpan().IndexOfAny((byte)'=', (byte)'%') < 0)
        {
            return name;
        }
        var encoded = new List<byte>(name.Length + 8);
        foreach (var b in name)
        {
            switch (b)
            {
                case (byte)'=':
                    encoded.AddRange("%3D"u8);
                    break;
                case (byte)'%':
                    encoded.AddRange("%25"u8);
                    break;
                default:
                    encoded.Add(b);
                    break;
            }
        }
        return [.. encoded];
    }

    // A record is "LENGTH KEY=VALUE\n" where LENGTH counts the whole record, its own digits included.
    private static void AddRecord(MemoryStream records, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var bodyLength = 1 + key.Length + 1 + value.Length + 1;
        var length = bodyLength + 1;
        while (length.ToString(CultureInfo.InvariantCulture).Length + bodyLength != length)
        {
            length = length.ToString(CultureInfo.InvariantCulture).Length + bodyLength;
        }
        records.Write(Encoding.ASCII.GetBytes(length.ToString(CultureInfo.InvariantCulture)));
        records.WriteByte((byte)' ');
        records.Write(key);
        records.WriteByte((byte)'=');
        records.Write(value);
        records.WriteByte((byte)'\n');
    }

    /// <summary>Seconds and nanoseconds as a PAX decimal time; -1.5 is 1.5 s before the epoch.</summary>
    public static string FormatTime(long seconds, uint nanoseconds)
    {
        if (nanoseconds == 0)
        {
            return seconds.ToString(CultureInfo.InvariantCulture);
        }
        var negative = seconds < 0;
        var whole = negative ? -(seconds + 1) : seconds;
        var fraction = negative ? 1_000_000_000 - nanoseconds : nanoseconds;
        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"{(negative ? "-" : "")}{whole}.{fraction:D9}");
        return text.TrimEnd('0');
    }

    // The GNU 1.0 sparse map: region count, then offset and length of each region, one number a line.
    private static byte[] EncodeSparseMap(IReadOnlyList<(long Offset, long Length)> regions)
    {
        for (var i = 0; i + 1 < regions.Count; i++)
        {
            if (regions[i].Length % BlockSize != 0 || regions[i].Offset + regions[i].Length > regions[i + 1].Offset)
            {
                throw new ArgumentException("sparse regions must be ascending and, but the last, whole blocks");
            }
        }
        var map = new StringBuilder();
        map.Append(regions.Count).Append('\n');
        foreach (var (offset, length) in regions)
        {
            map.Append(offset).Append('\n').Append(length).Append('\n');
        }
        var bytes = Encoding.ASCII.GetBytes(map.ToString());
        var padded = new byte[(bytes.Length + BlockSize - 1) / BlockSize * BlockSize];
        bytes.CopyTo(padded, 0);
        return padded;
    }

    private static byte[] SparsePlaceholderName(byte[] name)
    {
        var slash = name.AsSpan().TrimEnd((byte)'/').LastIndexOf((byte)'/');
        var baseName = name.AsSpan(slash + 1);
        var prefix = "./GNUSparseFile.0/"u8;
        var placeholder = new byte[prefix.Length + baseName.Length];
        prefix.CopyTo(placeholder);
        baseName.CopyTo(placeholder.AsSpan(prefix.Length));
        return placeholder;
    }

    private static byte[] Ascii(long value) =>
        Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture));

    private static void CopyTruncated(ReadOnlySpan<byte> source, Span<byte> field) =>
        source[..Math.Min(source.Length, field.Length)].CopyTo(field);

    private void WriteBlocks(byte[] data)
    {
        WriteRaw(data);
        Pad(data.Length);
    }

    private void Pad(long written)
    {
        var remainder = (int)(written % BlockSize);
        if (remainder != 0)
        {
            WriteRaw(s_zeroBlock.AsSpan(remainder));
        }
    }

    private void WriteRaw(ReadOnlySpan<byte> data)
    {
        _output.Write(data);
        Position += data.Length;
    }
}
