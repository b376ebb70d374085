using Npgsql;

namespace Geo.Storage.Observations;

/// <summary>Opens <see cref="ObservationWriter"/>s on the service's pool: the ingest path's one way into it.</summary>
public sealed class ObservationWriters(NpgsqlDataSource dataSource)
{
    public Task<ObservationWriter> OpenAsync(int maxListedIds, CancellationToken cancellationToken) =>
        ObservationWriter.OpenAsync(dataSource, maxListedIds, cancellationToken);
}
