using Npgsql;
using Xunit;

namespace Geo.Testing;

/// <summary>
/// A class fixture: a database of its own for each test class, cloned from the migrated
/// template of the shared throwaway cluster, and dropped when the class is done.
/// </summary>
public sealed class PostgisDatabase : IAsyncLifetime
{
    private PostgisCluster? _cluster;
    private NpgsqlDataSource? _dataSource;

    public string Name { get; private set; } = string.Empty;

    public PostgisCluster Cluster => _cluster ?? throw new InvalidOperationException("the fixture is not initialised");

    public string ConnectionString => Cluster.Cluster.ConnectionStringFor(Name);

    public NpgsqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException("the fixture is not initialised");

    public async Task InitializeAsync()
    {
        _cluster = await PostgisCluster.GetAsync().ConfigureAwait(false);
        Name = await _cluster.CreateMigratedDatabaseAsync("test").ConfigureAwait(false);
        _dataSource = Geo.Storage.GeoDataSource.Create(ConnectionString);
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }

        if (_cluster is not null && Name.Length > 0)
        {
            await _cluster.DropDatabaseAsync(Name).ConfigureAwait(false);
        }
    }

    /// <summary>Runs a scalar query, for assertions.</summary>
    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync().ConfigureAwait(false))!;
    }
}
