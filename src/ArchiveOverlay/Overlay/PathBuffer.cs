namespace ArchiveOverlay.Overlay;

/// <summary>
/// The relative path of the walk's current entry, built in one growing buffer, so a deep tree costs
/// memory in proportion to its depth rather than to the square of it. A view handed out for a
/// directory stays valid while the walk is inside it: only bytes past its end are rewritten.
/// </summary>
internal sealed class PathBuffer
{
    private byte[] _buffer = new byte[256];
    private int _length;

    /// <summary>Replaces everything after the first <paramref name="length"/> bytes with "/name".</summary>
    public ReadOnlyMemory<byte> Append(int length, ReadOnlySpan<byte> name)
    {
        var needed = length + 1 + name.Length;
        if (needed > _buffer.Length)
        {
            // A new array, so views of the old one keep their bytes.
            var larger = new byte[Math.Max(needed, _buffer.Length * 2)];
            _buffer.AsSpan(0, length).CopyTo(larger);
            _buffer = larger;
        }
        _length = length;
        if (_length > 0)
        {
            _buffer[_length++] = (byte)'/';
        }
        name.CopyTo(_buffer.AsSpan(_length));
        _length += name.Length;
        return new ReadOnlyMemory<byte>(_buffer, 0, _length);
    }
}
