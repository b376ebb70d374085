using Geo.Storage;
using Npgsql;

namespace Geo.Grpc.Replication;

/// <summary>
/// A store on the primary, and the same store on the standby when the connection string names
/// one: a read that tolerates lag asks <see cref="ReadPool.OnStandby"/> once and takes that one for
/// all its reads, so that one answer never mixes the two.
/// </summary>
internal sealed class Lagging<TStore>(TStore primary, TStore? standby)
    where TStore : class
{
    public TStore On(bool onStandby) => onStandby && standby is not null ? standby : primary;
}

internal static class LaggingRegistration
{
    /// <summary>Registers <see cref="Lagging{TStore}"/> over the registered <typeparamref name="TStore"/> and one made by <paramref name="make"/> on the standby's pool.</summary>
    public static IServiceCollection AddLagging<TStore>(this IServiceCollection services, Func<NpgsqlDataSource, TStore> make)
        where TStore : class =>
        services.AddSingleton(provider =>
        {
            var reads = provider.GetRequiredService<ReadPool>();
            return new Lagging<TStore>(provider.GetRequiredService<TStore>(), reads.Standby is { } standby ? make(standby) : null);
        });
}
