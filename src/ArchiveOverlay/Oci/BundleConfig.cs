using System.Text.Json.Serialization;

namespace ArchiveOverlay.Oci;

/// <summary>The part of a bundle's config.json the hook reads: annotations and mounts.</summary>
public sealed class BundleConfig
{
    [JsonPropertyName("annotations")]
    public Dictionary<string, string>? Annotations { get; set; }

    [JsonPropertyName("mounts")]
    public List<MountEntry>? Mounts { get; set; }
}

/// <summary>One entry of config.json's "mounts" (runtime spec, "Mounts").</summary>
public sealed class MountEntry
{
    [JsonPropertyName("destination")]
    public string? Destination { get; set; }

    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("source")]
    public string? Source { get; set; }

    [JsonPropertyName("options")]
    public List<string>? Options { get; set; }
}
