using System.Runtime.InteropServices;

namespace ArchiveOverlay.Platform;

/// <summary>
/// Turns SIGTERM, SIGINT and SIGHUP into an exception at the next entry or mebibyte, so that a
/// runtime that stops the hook, or a terminal that goes away, still gets the temporaries removed
/// and a line saying why.
/// </summary>
public static class TerminationRequest
{
    private static volatile int s_signal;
    private static PosixSignalRegistration? s_term;
    private static PosixSignalRegistration? s_interrupt;
    private static PosixSignalRegistration? s_hangup;

    public static void Register()
    {
        s_term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        s_interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        s_hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);
    }

    /// <summary>Throws <see cref="OperationCanceledException"/> once a termination signal arrived.</summary>
    public static void ThrowIfRequested()
    {
        if (s_signal != 0)
        {
            var name = (PosixSignal)s_signal switch
            {
                PosixSignal.SIGTERM => "SIGTERM",
                PosixSignal.SIGINT => "SIGINT",
                _ => "SIGHUP",
            };
            throw new OperationCanceledException($"stopped by {name}");
        }
    }

    private static void OnSignal(PosixSignalContext context)
    {
        s_signal = (int)context.Signal;
        context.Cancel = true;
    }
}
