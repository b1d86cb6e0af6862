using System.Text.Json.Serialization;

namespace ArchiveOverlay.Oci;

/// <summary>Source-generated JSON metadata: no reflection, so the NativeAOT build stays trim-safe.</summary>
[JsonSourceGenerationOptions(
    AllowTrailingCommas = false,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(ContainerState))]
[JsonSerializable(typeof(BundleConfig))]
internal sealed partial class OciJsonContext : JsonSerializerContext;
