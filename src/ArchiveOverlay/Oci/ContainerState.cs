using System.Text.Json.Serialization;

namespace ArchiveOverlay.Oci;

/// <summary>The OCI runtime state a runtime writes to a hook's standard input (runtime spec, "State").</summary>
public sealed class ContainerState
{
    [JsonPropertyName("ociVersion")]
    public string? OciVersion { get; set; }

    [JsonPropertyName("id")]
    public string? Id { get; set; }

    [JsonPropertyName("status")]
    public string? Status { get; set; }

    [JsonPropertyName("bundle")]
    public string? Bundle { get; set; }

    [JsonPropertyName("annotations")]
    public Dictionary<string, string>? Annotations { get; set; }
}
