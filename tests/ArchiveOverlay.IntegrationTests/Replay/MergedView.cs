namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>Everything a reader of a mounted overlay sees, as a tree of <see cref="ViewEntry"/>.
/// </summary>
internal sealed class MergedView
{
    private const int MaxShownDifferences = 60;

    public MergedView(ViewEntry root)
    {
        Root = root;
    }

    public ViewEntry Root { get; }

    /// <summary>Every entry, parents before children, names in byte order.</summary>
    public IEnumerable<ViewEntry> Entries
    {
        get
        {
            var pending = new Stack<ViewEntry>();
            pending.Push(Root);
            while (pending.Count > 0)
            {
                var entry = pending.Pop();
                yield return entry;
                for (var i = entry.Children.Count - 1; i >= 0; i--)
                {
                    pending.Push(entry.Children[i]);
                }
            }
        }
    }

    /// <summary>The entry at a relative path such as "a/b", or null.</summary>
    public ViewEntry? Find(ReadOnlySpan<byte> relativePath)
    {
        var entry = Root;
        while (!relativePath.IsEmpty)
        {
            var slash = relativePath.IndexOf((byte)'/');
            var name = slash < 0 ? relativePath : relativePath[..slash];
            relativePath = slash < 0 ? ReadOnlySpan<byte>.Empty : relativePath[(slash + 1)..];
            ViewEntry? next = null;
            foreach (var child in entry.Children)
            {
                if (child.Name.AsSpan().SequenceEqual(name))
                {
                    next = child;
                    break;
                }
            }
            if (next is null)
            {
                return null;
            }
            entry = next;
        }
        return entry;
    }

    public ViewEntry? Find(string relativePath) => Find(ByteText.Bytes(relativePath));

    /// <summary>
    /// Lists how <paramref name="actual"/> differs from <paramref name="expected"/>, one line per
    /// differing fact or path; entries of expected matched by <paramref name="leftOut"/> are not
    /// looked for in actual, nor are names of expected that readdir lists and lookup cannot find.
    /// </summary>
    public static List<string> Differences(
        MergedView expected,
        MergedView actual,
        Func<ViewEntry, bool>? leftOut = null)
    {
        var differences = new List<string>();
        var pending = new Stack<(ViewEntry Expected, ViewEntry Actual)>();
        pending.Push((expected.Root, actual.Root));
        while (pending.Count > 0)
        {
            var (left, right) = pending.Pop();
            CompareFacts(left, right, differences);
            var expectedChildren = left.Children
                .Where(child => leftOut is null || !leftOut(child))
                .ToList();
            var i = 0;
            var j = 0;
            while (i < expectedChildren.Count || j < right.Children.Count)
            {
                var order = i == expectedChildren.Count ? 1
                    : j == right.Children.Count ? -1
                    : expectedChildren[i].Name.AsSpan().SequenceCompareTo(right.Children[j].Name);
                if (order < 0)
                {
                    // A whiteout a lower layer shows in readdir need not survive: an archive that
                    // turns a renamed directory into an opaque one leaves it behind rightly.
                    var missing = expectedChildren[i++];
                    if (missing.Kind != ViewEntry.UnreachableKind)
                    {
                        differences.Add(
                            $"{missing.DisplayPath}: missing after replay (was {missing.Kind})");
                    }
                }
                else if (order > 0)
                {
                    var extra = right.Children[j++];
                    differences.Add($"{extra.DisplayPath}: only after replay ({extra.Kind})");
                }
                else
                {
                    pending.Push((expectedChildren[i++], right.Children[j++]));
                }
            }
        }
        return differences;
    }

    /// <summary>The differences as a message: the first lines and how many there are.</summary>
    public static string Describe(IReadOnlyList<string> differences)
    {
        var shown = differences.Take(MaxShownDifferences).Select(line => "  " + line);
        var more = differences.Count > MaxShownDifferences
            ? $"\n  ... and {differences.Count - MaxShownDifferences} more"
            : "";
        return $"{differences.Count} difference(s), "
            + "expected (before archiving) != actual (after replay):\n"
            + string.Join('\n', shown) + more;
    }

    private static void CompareFacts(
        ViewEntry expected,
        ViewEntry actual,
        List<string> differences)
    {
        if (expected.Facts.AsSpan().SequenceEqual(actual.Facts))
        {
            return;
        }
        var keys = expected.Facts.Concat(actual.Facts)
            .Select(Key)
            .Distinct(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var before = expected.Fact(key);
            var after = actual.Fact(key);
            if (before != after)
            {
                differences.Add(
                    $"{expected.DisplayPath}: {key} {before ?? "(none)"} != {after ?? "(none)"}");
            }
        }
    }

    private static string Key(string fact) => fact[..fact.IndexOf('=', StringComparison.Ordinal)];
}
