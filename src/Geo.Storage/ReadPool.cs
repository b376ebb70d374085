using Npgsql;

namespace Geo.Storage;

/// <summary>
/// Where the reads that tolerate a little lag go (feed pages): the standby while it is reachable
/// and close enough behind, else the primary. Something that watches the standby's lag decides
/// (<see cref="UseStandby"/>); without a standby in the connection string it is always the primary.
/// </summary>
public sealed class ReadPool
{
    private volatile bool _onStandby;

    public ReadPool(NpgsqlDataSource primary, NpgsqlDataSource? standby)
    {
        Primary = primary;
        Standby = standby;
    }

    public NpgsqlDataSource Primary { get; internal set; }

    /// <summary>A pool of connections to standbys only, when the connection string names several hosts.</summary>
    public NpgsqlDataSource? Standby { get; internal set; }

    /// <summary>True while reads go to the standby.</summary>
    public bool OnStandby => _onStandby && Standby is not null;

    public NpgsqlDataSource Current => OnStandby ? Standby! : Primary;

    public void UseStandby(bool onStandby) => _onStandby = onStandby;
}
