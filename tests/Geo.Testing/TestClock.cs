namespace Geo.Testing;

/// <summary>
/// The service's clock in tests: the system's time until a test freezes it, so that a test can
/// ask the same question twice and compare answers that say when they were made.
/// </summary>
public sealed class TestClock : TimeProvider
{
    private DateTimeOffset? _frozen;

    public override DateTimeOffset GetUtcNow() => _frozen ?? base.GetUtcNow();

    /// <summary>Stops the clock at <paramref name="at"/> until the returned scope is disposed.</summary>
    public IDisposable Freeze(DateTimeOffset at)
    {
        _frozen = at;
        return new Thaw(this);
    }

    private sealed class Thaw(TestClock clock) : IDisposable
    {
        public void Dispose() => clock._frozen = null;
    }
}
