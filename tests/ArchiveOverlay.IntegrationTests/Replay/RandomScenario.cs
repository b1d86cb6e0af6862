using System.Globalization;

namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>
/// A reproducible random scenario: two small lower layers and a change set, all drawn from one
/// seed. Names come from a small pool (one not UTF-8, one of 120 bytes), so changes often meet
/// lower entries and each other: copy-ups, whiteouts over lower files, opaque directories,
/// renames onto existing names, links to copied-up files.
/// </summary>
internal sealed class RandomScenario
{
    private const uint DirectoryMode = 0x1ED;

    private static readonly byte[][] s_names =
    [
        "a"u8.ToArray(), "b"u8.ToArray(), "c"u8.ToArray(), "d"u8.ToArray(), "sub"u8.ToArray(),
        "x y"u8.ToArray(), [0xFF, 0xFE], [.. Enumerable.Repeat((byte)'l', 120)],
    ];

    // 0644 0600 0755 0444 04755 02755 01777 0000 0700 06755
    private static readonly uint[] s_modes =
    [
        0x1A4, 0x180, 0x1ED, 0x124, 0x9ED, 0x5ED, 0x3FF, 0x0, 0x1C0, 0xDED,
    ];

    private static readonly uint[] s_ids = [0, 1, 1000, 65534, 3_000_000, 4_294_967_294];

    private static readonly string[] s_xattrNames = ["user.a", "user.b", "trusted.t"];

    private static readonly ChangeKind[] s_changeKinds =
        [.. Enum.GetValues<ChangeKind>().Where(kind => kind != ChangeKind.MakeWhiteout)];

    private static readonly ChangeKind[] s_metadataKinds =
        [ChangeKind.ChangeMode, ChangeKind.ChangeOwner, ChangeKind.SetXattr, ChangeKind.SetTime];

    private readonly Random _random;
    private readonly List<byte[]> _knownPaths = [];
    private readonly List<byte[]> _knownDirectories = [[]];

    public RandomScenario(int seed)
    {
        Seed = seed;
        _random = new Random(seed);
        Lower = [.. GenerateLower(top: false), .. GenerateLower(top: true)];
        Changes = GenerateChanges(_random.Next(5, 31));
    }

    public int Seed { get; }

    /// <summary>Lower entries: in lower1 (top) or lower2, each made by a change below its root.
    /// </summary>
    public IReadOnlyList<(bool Top, ChangeOperation Entry)> Lower { get; }

    public IReadOnlyList<ChangeOperation> Changes { get; }

    public override string ToString() => Seed.ToString(CultureInfo.InvariantCulture);

    private List<(bool, ChangeOperation)> GenerateLower(bool top)
    {
        var entries = new List<(bool, ChangeOperation)>();
        for (var count = _random.Next(3, 16); count > 0; count--)
        {
            var roll = _random.NextDouble();
            var whiteout = top && roll < 0.08;
            var opaque = top && !whiteout && roll < 0.14;
            // A whiteout or an opaque directory in lower1 mostly hides something of lower2.
            var path = (whiteout || opaque) && Chance(0.7) ? ExistingPath(directory: opaque)
                : Chance(0.2) ? DeepPath()
                : NewPath();
            foreach (var parent in Parents(path))
            {
                entries.Add((top, MakeDirectory(parent)));
            }
            if (whiteout)
            {
                entries.Add((top, new ChangeOperation(ChangeKind.MakeWhiteout, path)));
                continue;
            }
            if (opaque || (roll >= 0.65 && roll < 0.85))
            {
                _knownDirectories.Add(path);
            }
            if (opaque)
            {
                entries.Add((top, MakeDirectory(path)));
                entries.Add((top, new ChangeOperation(ChangeKind.SetXattr, path)
                {
                    Other = "trusted.overlay.opaque"u8.ToArray(),
                    Data = "y"u8.ToArray(),
                }));
                continue;
            }
            entries.Add((top, roll < 0.65 ? RandomFile(path)
                : roll < 0.85 ? MakeDirectory(path)
                : roll < 0.95 ? RandomChange(ChangeKind.Symlink, path)
                : new ChangeOperation(ChangeKind.MakeFifo, path)));
            entries.AddRange(RandomMetadata(path).Select(change => (top, change)));
            _knownPaths.Add(path);
        }
        return entries;
    }

    private List<ChangeOperation> GenerateChanges(int count)
    {
        var changes = new List<ChangeOperation>();
        while (changes.Count < count)
        {
            var kind = s_changeKinds[_random.Next(s_changeKinds.Length)];
            var creates = kind is ChangeKind.Create or ChangeKind.Symlink
                or ChangeKind.MakeDirectory or ChangeKind.MakeFifo;
            var path = creates
                ? (Chance(0.7) ? NewPath() : ExistingPath())
                : (Chance(0.9) ? ExistingPath() : NewPath());
            var change = RandomChange(kind, path);
            changes.Add(change);
            if (kind is ChangeKind.MakeDirectory or ChangeKind.RemoveTreeAndRecreate)
            {
                _knownDirectories.Add(path);
            }
            if (kind is ChangeKind.Rename or ChangeKind.Link)
            {
                _knownPaths.Add(change.Other);
            }
            _knownPaths.Add(path);
        }
        return changes;
    }

    private ChangeOperation RandomChange(ChangeKind kind, byte[] path) => kind switch
    {
        ChangeKind.Create => RandomFile(path),
        ChangeKind.Write => new ChangeOperation(kind, path)
        {
            Number = Chance(0.2) ? _random.NextInt64(1L << 20, 1L << 33) : _random.Next(0, 8192),
            Data = RandomBytes(_random.Next(1, 3000)),
        },
        ChangeKind.Append => new ChangeOperation(kind, path)
        {
            Data = RandomBytes(_random.Next(1, 600)),
        },
        ChangeKind.Truncate => new ChangeOperation(kind, path)
        {
            Number = Chance(0.2) ? _random.NextInt64(1L << 20, 1L << 34) : _random.Next(0, 5000),
        },
        ChangeKind.Rename => new ChangeOperation(kind, path)
        {
            Other = Chance(0.6) ? NewPath() : ExistingPath(),
        },
        ChangeKind.Link => new ChangeOperation(kind, path) { Other = NewPath() },
        ChangeKind.Symlink => new ChangeOperation(kind, path) { Other = RandomName() },
        ChangeKind.MakeDirectory => new ChangeOperation(kind, path)
        {
            Number = RandomMode() | 0x1C0,
        },
        ChangeKind.RemoveXattr => new ChangeOperation(kind, path) { Other = RandomXattrName() },
        ChangeKind.Remove or ChangeKind.RemoveTreeAndRecreate or ChangeKind.MakeFifo =>
            new ChangeOperation(kind, path),
        _ => RandomMetadataChange(kind, path),
    };

    private ChangeOperation RandomFile(byte[] path) =>
        new(ChangeKind.Create, path)
        {
            Data = RandomBytes(Chance(0.1) ? 0 : _random.Next(1, 5000)),
        };

    private static ChangeOperation MakeDirectory(byte[] path) =>
        new(ChangeKind.MakeDirectory, path) { Number = DirectoryMode };

    // Each of chmod, chown, setxattr and set-mtime with a chance of 30%.
    private List<ChangeOperation> RandomMetadata(byte[] path)
    {
        var changes = new List<ChangeOperation>();
        foreach (var kind in s_metadataKinds)
        {
            if (Chance(0.3))
            {
                changes.Add(RandomMetadataChange(kind, path));
            }
        }
        return changes;
    }

    private ChangeOperation RandomMetadataChange(ChangeKind kind, byte[] path) => kind switch
    {
        ChangeKind.ChangeMode => new ChangeOperation(kind, path) { Number = RandomMode() },
        ChangeKind.ChangeOwner => new ChangeOperation(kind, path)
        {
            Number = s_ids[_random.Next(s_ids.Length)],
            Number2 = s_ids[_random.Next(s_ids.Length)],
        },
        ChangeKind.SetXattr => new ChangeOperation(kind, path)
        {
            Other = RandomXattrName(),
            Data = RandomBytes(_random.Next(0, 40)),
        },
        _ => new ChangeOperation(ChangeKind.SetTime, path)
        {
            Number = _random.NextInt64(-2_000_000_000L, 4_000_000_000L),
            Number2 = Chance(0.3) ? 0 : _random.Next(0, 1_000_000_000),
        },
    };

    // A path generated before; with directory, one made as a directory (never the root).
    private byte[] ExistingPath(bool directory = false)
    {
        var (pool, first) = directory ? (_knownDirectories, 1) : (_knownPaths, 0);
        return pool.Count > first ? pool[_random.Next(first, pool.Count)] : NewPath();
    }

    // A name in a known directory (the root is one), which may or may not exist by then.
    private byte[] NewPath() =>
        ByteText.Join(_knownDirectories[_random.Next(_knownDirectories.Count)], RandomName());

    private byte[] DeepPath()
    {
        var path = RandomName();
        for (var depth = _random.Next(1, 4); depth > 0; depth--)
        {
            path = ByteText.Join(path, RandomName());
        }
        return path;
    }

    private List<byte[]> Parents(byte[] path)
    {
        var parents = new List<byte[]>();
        for (var i = 0; i < path.Length; i++)
        {
            if (path[i] == (byte)'/')
            {
                parents.Add(path[..i]);
                _knownDirectories.Add(path[..i]);
            }
        }
        return parents;
    }

    private bool Chance(double probability) => _random.NextDouble() < probability;

    private uint RandomMode() => s_modes[_random.Next(s_modes.Length)];

    private byte[] RandomXattrName() =>
        ByteText.Bytes(s_xattrNames[_random.Next(s_xattrNames.Length)]);

    private byte[] RandomName() => s_names[_random.Next(s_names.Length)];

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }
}
