namespace ArchiveOverlay.Oci;

/// <summary>Input the hook was given, by the runtime or in annotations, that it cannot act on.</summary>
public sealed class InvalidInputException : Exception
{
    public InvalidInputException(string message)
        : base(message)
    {
    }

    public InvalidInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
