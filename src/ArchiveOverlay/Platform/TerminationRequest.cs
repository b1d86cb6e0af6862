using System.Runtime.InteropServices;

namespace ArchiveOverlay.Platform;

/// <summary>
/// Turns SIGTERM and SIGINT into an exception at the next entry or mebibyte, so that a runtime that
/// stops the hook still gets the temporaries removed and a line saying why.
/// </summary>
public static class TerminationRequest
{
    private static volatile int s_signal;
    private static PosixSignalRegistration? s_term;
    private static PosixSignalRegistration? s_interrupt;

    public static void Register()
    {
        s_term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        s_interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
    }

    /// <summary>Throws <see cref="OperationCanceledException"/> once a termination signal arrived.</summary>
    public static void ThrowIfRequested()
    {
        if (s_signal != 0)
        {
            var name = s_signal == (int)PosixSignal.SIGTERM ? "SIGTERM" : "SIGINT";
            throw new OperationCanceledException($"stopped by {name}");
        }
    }

    private static void OnSignal(PosixSignalContext context)
    {
        s_signal = (int)context.Signal;
        context.Cancel = true;
    }
}
