using System.Text;
using System.Text.Json;

namespace ArchiveOverlay.Tests.Support;

/// <summary>One tar member as Python's tarfile module reads it.</summary>
public sealed record TarMember(
    string Name,
    char Type,
    int Mode,
    long Uid,
    long Gid,
    string UserName,
    string GroupName,
    long Size,
    string LinkName,
    int DeviceMajor,
    int DeviceMinor,
    double ModifiedTime,
    IReadOnlyDictionary<string, string> XattrsHex,
    string ContentHex);

/// <summary>Reads archives back with readers this project did not write: Python's tarfile and GNU tar.</summary>
public static class TarListing
{
    // Names and xattr values are printed as hex of their bytes (surrogateescape keeps invalid UTF-8).
    private const string Script = """
        import json, sys, tarfile
        def raw(s): return s.encode('utf-8', 'surrogateescape').hex()
        out = []
        with tarfile.open(sys.argv[1]) as t:
            for m in t:
                data = t.extractfile(m).read() if m.isreg() else b''
                xattrs = {raw(k[len('SCHILY.xattr.'):]): raw(v) for k, v in m.pax_headers.items()
                          if k.startswith('SCHILY.xattr.')}
                out.append(dict(name=raw(m.name), type=m.type.decode(), mode=m.mode, uid=m.uid, gid=m.gid,
                                uname=m.uname, gname=m.gname, size=m.size, linkname=raw(m.linkname),
                                devmajor=m.devmajor, devminor=m.devminor, mtime=m.mtime, xattrs=xattrs,
                                content=data.hex() if len(data) <= 4096 else 'len:%d' % len(data)))
        print(json.dumps(out))
        """;

    /// <summary>Members as Python reads them; Python drops the "./" prefix and trailing slashes.</summary>
    public static List<TarMember> ReadWithPython(string archive)
    {
        var json = ExternalTool.Run("python3", "-c", Script, archive);
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray().Select(ToMember).ToList();
    }

    /// <summary>Entry names exactly as stored, listed by GNU tar.</summary>
    public static List<string> NamesWithGnuTar(string archive) =>
        ExternalTool.Run("tar", "--quoting-style=escape", "-tzf", archive)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .ToList();

    public static string Hex(string text) => Convert.ToHexStringLower(Encoding.UTF8.GetBytes(text));

    public static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private static TarMember ToMember(JsonElement e) => new(
        Encoding.UTF8.GetString(Convert.FromHexString(e.GetProperty("name").GetString()!)),
        e.GetProperty("type").GetString()![0],
        e.GetProperty("mode").GetInt32(),
        e.GetProperty("uid").GetInt64(),
        e.GetProperty("gid").GetInt64(),
        e.GetProperty("uname").GetString()!,
        e.GetProperty("gname").GetString()!,
        e.GetProperty("size").GetInt64(),
        Encoding.UTF8.GetString(Convert.FromHexString(e.GetProperty("linkname").GetString()!)),
        e.GetProperty("devmajor").GetInt32(),
        e.GetProperty("devminor").GetInt32(),
        e.GetProperty("mtime").GetDouble(),
        e.GetProperty("xattrs").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
        e.GetProperty("content").GetString()!);
}
