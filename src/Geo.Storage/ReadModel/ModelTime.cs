namespace Geo.Storage.ReadModel;

/// <summary>Instants as PostgreSQL keeps a timestamptz (microseconds since 2000-01-01 UTC), so the model compares them as the database does.</summary>
public static class ModelTime
{
    private static readonly long Epoch = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

    /// <summary>
    /// As Npgsql sends a parameter: ticks after the epoch divided by ten, truncated towards zero,
    /// which is what a filter's bound is compared at.
    /// </summary>
    public static long ToMicros(DateTimeOffset value) => (value.UtcTicks - Epoch) / 10;

    public static DateTimeOffset ToDateTimeOffset(long micros) => new(ToUtcTicks(micros), TimeSpan.Zero);

    public static long ToUtcTicks(long micros) => Epoch + (micros * 10);

    /// <summary>Months since January 2000 (the scan order's first key).</summary>
    public static int MonthOf(long micros)
    {
        var ticks = Math.Clamp(micros, (DateTime.MinValue.Ticks - Epoch) / 10, (DateTime.MaxValue.Ticks - Epoch) / 10);
        var at = new DateTime(Epoch + (ticks * 10), DateTimeKind.Utc);
        return ((at.Year - 2000) * 12) + at.Month - 1;
    }
}
