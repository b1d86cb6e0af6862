using System.Text;
using System.Text.Json;
using ArchiveOverlay.Logging;
using ArchiveOverlay.Oci;
using ArchiveOverlay.Tests.Oci;
using ArchiveOverlay.Tests.Support;

namespace ArchiveOverlay.Tests;

// Run tags the static Log with the container id and logs its decisions, so it runs apart.
[Collection(LogIsolation.Name)]
public sealed class PoststopHookTests : IDisposable
{
    private const string Prefix = "com.launchplatform.oci-hooks.archive-overlay.";

    private readonly TempDirectory _temp = new();

    public void Dispose()
    {
        Log.SetContainer("-");
        _temp.Dispose();
    }

    private static int Run(string stdin) =>
        PoststopHook.Run(new MemoryStream(Encoding.UTF8.GetBytes(stdin)));

    private static InvalidInputException Reject(string stdin) =>
        Assert.Throws<InvalidInputException>(() => Run(stdin));

    // A state as runtimes write it; annotationsJson is "" or a JSON member that starts with ','.
    private static string State(string bundle, string annotationsJson = "") =>
        "{\"ociVersion\":\"1.2.0\",\"id\":\"0123456789abcdef\",\"status\":\"stopped\","
        + $"\"bundle\":\"{bundle}\"{annotationsJson}}}";

    private static string Annotations(params (string Key, string Value)[] annotations) =>
        ",\"annotations\":"
        + JsonSerializer.Serialize(annotations.ToDictionary(a => a.Key, a => a.Value));

    private static string ArchiveAnnotations(string archiveTo) => Annotations(
        (Prefix + "a.mount-point", "/data"),
        (Prefix + "a.archive-to", archiveTo));

    private string Bundle(string? configJson)
    {
        var bundle = _temp.Combine("bundle");
        Directory.CreateDirectory(bundle);
        if (configJson is not null)
        {
            File.WriteAllText(Path.Combine(bundle, "config.json"), configJson);
        }
        return bundle;
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("\"id\"")]
    [InlineData("{\"id\":\"abc\"")]
    [InlineData("{\"id\":5,\"bundle\":\"/b\"}")]
    [InlineData("{\"id\":\"abc\",\"bundle\":\"/b\",}")]
    [InlineData("{\"id\":\"abc\",\"bundle\":\"/b\"} trailing")]
    [InlineData("{\"id\":\"abc\",\"bundle\":\"/b\",\"annotations\":{\"a\":1}}")]
    public void StateThatIsNotAStateObjectIsRejected(string stdin)
    {
        var error = Reject(stdin);

        Assert.StartsWith(
            "parse container state from stdin: ",
            error.Message,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("{\"bundle\":\"/b\"}")]
    [InlineData("{\"id\":\"\",\"bundle\":\"/b\"}")]
    [InlineData("{\"id\":null,\"bundle\":\"/b\"}")]
    [InlineData("{\"ID\":\"abc\",\"bundle\":\"/b\"}")]
    public void StateWithoutIdIsRejected(string stdin)
    {
        var error = Reject(stdin);

        Assert.Equal("container state from stdin has no 'id'", error.Message);
    }

    [Theory]
    [InlineData("{\"id\":\"abc\"}", "")]
    [InlineData("{\"id\":\"abc\",\"bundle\":\"\"}", "")]
    [InlineData("{\"id\":\"abc\",\"bundle\":null}", "")]
    [InlineData("{\"id\":\"abc\",\"bundle\":\"run/abc\"}", "run/abc")]
    [InlineData("{\"id\":\"abc\",\"bundle\":\"./abc\"}", "./abc")]
    public void StateWithoutAbsoluteBundleIsRejected(string stdin, string bundle)
    {
        var error = Reject(stdin);

        Assert.Equal(
            $"container state has no absolute 'bundle' path (got '{bundle}')",
            error.Message);
    }

    [Fact]
    public void StateLargerThan16MiBIsRejected()
    {
        var stdin = new MemoryStream(new byte[(16 * 1024 * 1024) + 1]);

        var error = Assert.Throws<InvalidInputException>(() => PoststopHook.Run(stdin));

        Assert.Equal("container state on stdin is larger than 16 MiB", error.Message);
    }

    [Fact]
    public void StateAnnotationsWithoutArchivesSucceedWithoutReadingTheBundle()
    {
        var missingBundle = _temp.Combine("missing");
        var annotations = Annotations(("io.podman.annotations.autoremove", "TRUE"));

        Assert.Equal(0, Run(State(missingBundle, annotations)));
    }

    [Fact]
    public void IncompleteArchiveInStateSucceedsWithoutReadingTheBundle()
    {
        var missingBundle = _temp.Combine("missing");
        var annotations = Annotations((Prefix + "a.mount-point", "/data"));

        Assert.Equal(0, Run(State(missingBundle, annotations)));
    }

    [Theory]
    [InlineData("")]
    [InlineData(",\"annotations\":null")]
    [InlineData(",\"annotations\":{}")]
    public void StateWithoutAnnotationsReadsConfigJsonFromTheBundle(string annotationsJson)
    {
        var missingBundle = _temp.Combine("missing");

        var error = Reject(State(missingBundle, annotationsJson));

        Assert.Equal($"read bundle config '{missingBundle}/config.json'", error.Message);
        Assert.IsAssignableFrom<IOException>(error.InnerException);
    }

    [Fact]
    public void StateArchivesMakeTheHookReadConfigJsonForTheMounts()
    {
        var missingBundle = _temp.Combine("missing");

        var error = Reject(State(missingBundle, ArchiveAnnotations("/out/a")));

        Assert.Equal($"read bundle config '{missingBundle}/config.json'", error.Message);
    }

    [Fact]
    public void BundleWithoutConfigJsonIsRejected()
    {
        var bundle = Bundle(null);

        var error = Reject(State(bundle));

        Assert.Equal($"read bundle config '{bundle}/config.json'", error.Message);
        var cause = Assert.IsType<ArchiveOverlay.Platform.PosixException>(error.InnerException);
        Assert.Equal($"open '{bundle}/config.json': No such file or directory", cause.Message);
    }

    [Fact]
    public void ConfigJsonThatIsADirectoryIsRejected()
    {
        var bundle = Bundle(null);
        Directory.CreateDirectory(Path.Combine(bundle, "config.json"));

        var error = Reject(State(bundle));

        Assert.Equal($"read bundle config '{bundle}/config.json'", error.Message);
    }

    [Theory]
    [InlineData("{\"annotations\":{\"org.opencontainers.image.title\":\"x\"}}")]
    [InlineData("{\"ociVersion\":\"1.2.0\",\"mounts\":[]}")]
    [InlineData("{}")]
    public void ConfigJsonWithoutArchiveAnnotationsSucceeds(string configJson)
    {
        var bundle = Bundle(configJson);

        Assert.Equal(0, Run(State(bundle)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("{\"mounts\":{}}")]
    [InlineData("{\"annotations\":[]}")]
    [InlineData("{\"mounts\":[{\"options\":\"rw\"}]}")]
    [InlineData("{\"mounts\":[],}")]
    public void MalformedConfigJsonIsRejectedNamingItsPath(string configJson)
    {
        var bundle = Bundle(configJson);

        var error = Reject(State(bundle, ArchiveAnnotations("/out/a")));

        Assert.StartsWith(
            $"parse bundle config '{bundle}/config.json': ",
            error.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedConfigJsonWithoutStateAnnotationsIsRejectedNamingItsPath()
    {
        var bundle = Bundle("{\"annotations\":");

        var error = Reject(State(bundle));

        Assert.StartsWith(
            $"parse bundle config '{bundle}/config.json': ",
            error.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void NullConfigJsonIsRejectedNamingItsPath()
    {
        var bundle = Bundle("null");

        var error = Reject(State(bundle, ArchiveAnnotations("/out/a")));

        Assert.Equal($"bundle config '{bundle}/config.json' is null", error.Message);
    }

    [Fact]
    public void ArchiveOfAMissingMountFailsTheRunWithoutThrowing()
    {
        var bundle = Bundle(
            """{"mounts":[{"destination":"/proc","type":"proc","source":"proc"}]}""");
        var target = _temp.Combine("out", "data");

        Assert.Equal(1, Run(State(bundle, ArchiveAnnotations(target))));
        Assert.False(Path.Exists(target));
    }
}
