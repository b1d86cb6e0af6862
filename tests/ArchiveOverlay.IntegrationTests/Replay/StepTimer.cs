using System.Diagnostics;
using System.Globalization;

namespace ArchiveOverlay.IntegrationTests.Replay;

/// <summary>Times named steps and sums them up as "record 0.12 s, hook 0.01 s".</summary>
internal sealed class StepTimer
{
    private readonly List<string> _steps = [];

    /// <summary>How long the last step took.</summary>
    public TimeSpan Last { get; private set; }

    public string Summary => string.Join(", ", _steps);

    public T Time<T>(string name, Func<T> step)
    {
        var watch = Stopwatch.StartNew();
        var result = step();
        Last = watch.Elapsed;
        var seconds = Last.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture);
        _steps.Add($"{name} {seconds} s");
        return result;
    }
}
