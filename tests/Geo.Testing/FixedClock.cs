namespace Geo.Testing;

/// <summary>
/// The service's clock stopped at one instant, for tests whose answers say what day it is (an
/// indicator report's evaluation date and computation time). Timers and elapsed time stay real.
/// </summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
