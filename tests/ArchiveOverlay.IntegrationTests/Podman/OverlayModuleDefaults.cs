using System.Runtime.Versioning;

namespace ArchiveOverlay.IntegrationTests.Podman;

/// <summary>
/// Switches boolean parameters of the overlay module on (/sys/module/overlay/parameters), the
/// defaults for every overlay mount made on the machine meanwhile, and puts back the values they
/// had when disposed. Tests that use it run alone (<see cref="OverlayModuleDefaultsTests"/>).
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class OverlayModuleDefaults : IDisposable
{
    private const string ParameterDirectory = "/sys/module/overlay/parameters";

    private readonly List<(string Path, string Value)> _saved = [];

    private OverlayModuleDefaults()
    {
    }

    public static OverlayModuleDefaults SwitchOn(params string[] parameters)
    {
        var defaults = new OverlayModuleDefaults();
        try
        {
            foreach (var parameter in parameters)
            {
                var path = Path.Combine(ParameterDirectory, parameter);
                defaults._saved.Add((path, File.ReadAllText(path).Trim()));
                File.WriteAllText(path, "Y");
            }
            return defaults;
        }
        catch
        {
            defaults.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var (path, value) in Enumerable.Reverse(_saved))
        {
            File.WriteAllText(path, value);
        }
        _saved.Clear();
    }
}

/// <summary>
/// Tests that change the overlay module's defaults run after all others, one at a time, so that
/// no other test's overlay mount is made with defaults it did not ask for.
/// </summary>
[Xunit.CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OverlayModuleDefaultsTests
{
    public const string Name = "overlay module defaults";
}
