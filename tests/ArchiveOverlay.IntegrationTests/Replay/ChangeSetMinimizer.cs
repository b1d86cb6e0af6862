namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>
/// Shrinks a failing list greedily: drops one item at a time, last first, and keeps the drop
/// whenever the failure persists; repeats until a pass drops nothing or the attempts run out.
/// </summary>
internal static class ChangeSetMinimizer
{
    public static List<T> Minimize<T>(
        IReadOnlyList<T> items,
        Func<IReadOnlyList<T>, bool> stillFails,
        ref int attemptsLeft)
    {
        var current = items.ToList();
        var droppedAny = true;
        while (droppedAny && attemptsLeft > 0)
        {
            droppedAny = false;
            for (var i = current.Count - 1; i >= 0 && attemptsLeft > 0; i--)
            {
                attemptsLeft--;
                var candidate = current.Where((_, index) => index != i).ToList();
                if (stillFails(candidate))
                {
                    current = candidate;
                    droppedAny = true;
                }
            }
        }
        return current;
    }
}
